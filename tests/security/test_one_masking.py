"""One set of masking rules: the logs, the admin and exports mask a name, a phone and an e-mail the same
way, from ``tickets.masking``."""

from __future__ import annotations

import config.masking
from tickets import masking, policy, validators


def test_every_interface_masks_with_the_same_rules():
    name = "欧阳小明明"
    logged = config.masking.mask_text(f"客户 {name} 来电", names=(name,))
    assert logged == f"客户 {policy.mask_name(name)} 来电" == f"客户 {masking.mask_name(name)} 来电"
    assert config.masking.mask_text("13912345678") == policy.mask_phone("13912345678") == "139****5678"
    assert config.masking.mask_text("wang@example.com") == policy.mask_email("wang@example.com")


def test_no_second_copy_of_the_rules():
    assert policy.mask_name is masking.mask_name
    assert policy.MASKS is masking.MASKS
    assert config.masking.mask_text is masking.mask_text
    assert not hasattr(validators, "mask_phone")
    assert not hasattr(config.masking, "PHONE")
