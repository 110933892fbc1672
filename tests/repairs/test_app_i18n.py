"""The technicians' app speaks through Django's JavaScript catalogue: every Chinese word in its
scripts is marked with gettext() so that ``makemessages -d djangojs`` extracts it, and the
catalogue is served per language under a versioned URL that the service worker keeps offline."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from repairs.app.assets import cache_version

pytestmark = pytest.mark.django_db

APP_JS = sorted(p for p in (Path(settings.BASE_DIR) / "static" / "technician").glob("*.js"))
#: Chinese words (ideographs); full-width punctuation alone, such as （ ）, is not a word.
CJK = re.compile(r"[\u3400-\u9fff]")
#: Django's catalogue functions whose first string argument makemessages extracts.
MARKERS = ("gettext", "gettext_noop", "ngettext", "pgettext", "npgettext")
# A "/" after one of these starts a regular expression, not a division.
REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {"", "return", "typeof", "case", "of", "in"}


def literals(source: str) -> list[tuple[int, str, str]]:
    """The string literals of a script as (line, text, what precedes them): quoted strings, and the
    literal parts of template strings (their ``${…}`` parts are scanned as code). Comments and
    regular expressions are skipped."""
    found: list[tuple[int, str, str]] = []
    i, n = 0, len(source)
    last = ""  # the last significant token, to tell a regex from a division
    code_start = 0  # where the current code run began (what precedes a literal)
    stack: list[int] = []  # brace depth of each open ${ … } of a template string

    def line(at: int) -> int:
        return source.count("\n", 0, at) + 1

    def template(at: int) -> int:
        """Scans a template string from after its opening backtick; returns where code resumes."""
        start = at
        while at < n:
            c = source[at]
            if c == "\\":
                at += 2
                continue
            if c == "`":
                found.append((line(start), source[start:at], "`"))
                return at + 1
            if source.startswith("${", at):
                found.append((line(start), source[start:at], "`"))
                stack.append(0)
                return at + 2
            at += 1
        raise ValueError("unterminated template")

    while i < n:
        c = source[i]
        if source.startswith("//", i):  # never an (empty) regular expression
            i = source.find("\n", i)
            i = n if i < 0 else i
            continue
        if source.startswith("/*", i):
            i = source.index("*/", i) + 2
            continue
        if c in "\"'":
            j = i + 1
            while source[j] != c:
                j += 2 if source[j] == "\\" else 1
            found.append((line(i), source[i + 1:j], source[code_start:i]))
            i, last = j + 1, "str"
            continue
        if c == "`":
            i = template(i + 1)
            last = "str"
            continue
        if c == "/" and last in REGEX_AFTER:
            j, in_class = i + 1, False
            while source[j] != "/" or in_class:
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            i, last = j + 1, "regex"
            continue
        if stack and c == "{":
            stack[-1] += 1
        elif stack and c == "}":
            if stack[-1] == 0:
                stack.pop()
                i = template(i + 1)
                last = "str"
                continue
            stack[-1] -= 1
        if c.isspace():
            i += 1
            continue
        word = re.match(r"[\w$]+", source[i:])
        if word:
            last = word.group(0)
            i += len(last)
        else:
            last = c
            i += 1
        if c in ";{}\n":
            code_start = i
    return found


def marked(preceding: str) -> bool:
    return bool(re.search(r"(?<![\w.$])(?:window\.)?(?:{})\(\s*$".format("|".join(MARKERS)), preceding[-40:]))


def unmarked_words() -> list[str]:
    problems = []
    for path in APP_JS:
        for lineno, text, preceding in literals(path.read_text(encoding="utf-8")):
            if CJK.search(text) and not marked(preceding):
                problems.append(f"{path.name}:{lineno}: {text[:40]!r}")
    return problems


def test_the_scanner_sees_an_unmarked_word():
    source = ('const a = gettext("接单");\nconst b = "拒单"; // 注释\nconst c = `${esc(gettext("出发"))} 到达`;\n'
              "const r = /[\"']/g; const d = x / 2; const e = '签到';")
    texts = [(text, marked(pre)) for _line, text, pre in literals(source) if CJK.search(text)]
    assert texts == [("接单", True), ("拒单", False), ("出发", True), (" 到达", False), ("签到", False)]


def test_every_chinese_word_of_the_app_is_marked_for_translation():
    assert APP_JS, "no scripts found"
    assert unmarked_words() == []


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext is not installed")
def test_makemessages_extracts_the_apps_words():
    """The same xgettext call as ``makemessages -d djangojs`` finds every marked word."""
    marked_words = {text for path in APP_JS for _l, text, pre in literals(path.read_text(encoding="utf-8"))
                    if CJK.search(text) and marked(pre)}
    out = subprocess.run(
        ["xgettext", "-d", "djangojs", "--language=JavaScript", "--keyword=gettext_noop", "--keyword=gettext_lazy",
         "--keyword=ngettext_lazy:1,2", "--keyword=pgettext:1c,2", "--keyword=npgettext:1c,2,3",
         "--from-code=UTF-8", "--output=-", *map(str, APP_JS)],
        capture_output=True, text=True, check=True).stdout
    extracted = {re.sub(r'"\n"', "", m).replace('\\"', '"') for m in re.findall(r'msgid "((?:[^"\\]|\\.)*)"', out)}
    assert len(marked_words) > 150
    assert marked_words - extracted == set()


def test_the_catalogue_answers_per_language_under_a_versioned_url(client):
    version = cache_version()
    for lang in ("zh-hans", "en"):
        response = client.get(f"/app/jsi18n/{lang}/{version}/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/javascript")
        body = response.content.decode()
        assert "django.gettext" in body
        assert "django.interpolate" in body
        assert "immutable" in response["Cache-Control"]
    assert client.get(f"/app/jsi18n/fr/{version}/").status_code == 404


def test_the_shell_loads_the_catalogue_of_the_users_language(client):
    version = cache_version()
    html = client.get("/app/").content.decode()
    assert f"/app/jsi18n/zh-hans/{version}/" in html
    assert 'data-lang="zh-hans"' in html
    html = client.get("/app/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert f"/app/jsi18n/en/{version}/" in html
    assert 'data-lang="en"' in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert f"/app/jsi18n/en/{version}/" in client.get("/app/").content.decode()


def test_the_service_worker_keeps_the_catalogue_offline(client):
    version = cache_version()
    body = client.get("/app/sw.js", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'"/app/jsi18n/en/{version}/"' in body
    assert "/app/jsi18n/" in body  # and any other language's catalogue once fetched
