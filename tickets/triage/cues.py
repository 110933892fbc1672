"""Symptom cues: hand-written groups of words and patterns that name one concept of an after-sales
report (heat, water, noise, no picture, money, a person's behaviour …).

The classifier sees each group as one feature next to its character n-grams. A customer who writes
a word the training reports never used still lights the right group when the group knows the word,
so the cues carry what the model learns from a few phrasings over to many others. Groups are
concepts, not categories: the model learns how each leaf weighs them.
"""

from __future__ import annotations

import re

CUES: dict[str, str] = {
    # picture and screen
    "screen": r"屏|显示|画面|图像|触摸|触控|触屏|pingmu|平幕|瓶幕|内屏|外屏",
    "screen_broken": r"碎|裂|蜘蛛网|花屏|雪花|绿线|竖线|横线|条纹|彩虹|线条|黑斑|墨|漏液|亮点|坏点|淤青|紫了|重影|马赛克|偏色|发黄|发绿|漏光|闪屏|一闪一闪|一抽一抽|忽明忽暗",
    "touch": r"点不动|点不了|没反应.*点|点.*没反应|乱点|乱跳|自己点|触摸|触控|不理我|点好几下|点上去",
    "dark": r"黑屏|黑的|黑乎乎|一片黑|黑漆漆|不亮|没画面|无图像|看不到(画面|人|东西)?|不显示|没图像|手电",
    # power
    "no_power": r"开不了机|开不开|无法开机|不开机|开机.*没反应|没反应|叫不醒|睡死|变砖|板砖|断了气|没动静|一点反应|不启动|打不开了",
    "reboot": r"重启|自动关机|关机|卡logo|卡在.*(logo|标志|开机)|转圈|循环|进不去(系统|桌面)|蓝屏|死机",
    # energy
    "battery": r"电池|电量|续航|掉电|耗电|没电|充电宝|鼓包|鼓起|撑不|百分|%|满格.*(没|就)|电.*(溜|掉|跑)|dianchi|电弛",
    "charging": r"充电|充不|冲电|充满|充一晚|快充|慢充|无线充|充电器|充电线|数据线|插上|插着|线插|闪电|适配器|电源|chongdian|充电板|充电头|头也不行",
    "heat": r"烫|热|热水袋|烙铁|发热|温度|火炉|暖手宝|煎鸡蛋|烧|冒烟|🥵|🔥|起飞|降频|风扇",
    # sound
    "sound": r"声音|声|听|喇叭|扬声器|听筒|麦克风|话筒|外放|免提|音量|静悄悄|默片|杂音|破音|沙沙|滋滋|嗡嗡|电流|蚊子|破锣|喂喂|铃声|说话|语音|音乐|放歌|耳机",
    "noise": r"噪|响|咕噜|咯吱|咚咚|撞墙|异响|吵|嗡嗡|轰轰|咔|哒|咣|哐当|呜呜|吱吱|拖拉机|直升机|打呼噜|睡不着|邻居|敲门|跳舞|跳动|震|抖|晃|走了",
    # camera and network
    "camera": r"摄像|相机|拍照|拍出来|拍的|拍什么|照片|镜头|对焦|模糊|糊|毛玻璃|视频通话|扫码|闪光灯|自拍|录像|摄相",
    "network": r"信号|无服务|服务区|一格|满格|网|wifi|WiFi|WIFI|无线|蓝牙|配对|sim|SIM|卡插|插卡|4g|4G|5g|5G|定位|导航|GPS|断线|掉线|路由|热点|xinhao|信好|E了|延迟|联网|上网",
    # buttons, keyboard, body
    "button": r"按键|键|按钮|按不|按下去|按着|加减|开关|侧边|卡住|陷进去|弹不|咔哒|接口|插口|孔|口松|针|USB|usb|Type-C|HDMI|转轴|铰链|轴",
    "keyboard": r"键盘|健盘|字母|打字|空格|键帽|触控板|触摸板|鼠标|光标|箭头|那块板|板子|Fn|背光|连键",
    "body": r"后盖|外壳|边框|中框|机身|壳|凹|变形|弯|翘|磕|掉漆|坑|缝|压|坐了|摔|滚下|掉地|扁",
    "water": r"进水|泡水|水里|掉水|浸|受潮|淋雨|湿透|马桶|鱼缸|洗衣服.*口袋|游泳|下水|洒|倒.*(键盘|上面)|打翻|泼|水珠|起雾|雾|近水|奶茶|咖啡",
    "software": r"系统|卡顿|卡|慢|闪退|死机|升级|更新|广告|内存|存储|病毒|软件|应用|app|APP|App|微信|抖音|桌面|密码|账号|激活锁|驱动|蓝屏|C盘|幻灯片|转圈|反应慢|迟钝|定住|不动了",
    # appliances
    "cold": r"制冷|不冷|不凉|凉快|冷冻|冷藏|冻|化了|化成|化掉|软|馊|变质|臭|常温|温温|热得|蒸笼|度了|温度|冰棍|雪糕|冰淇淋|压缩机|加氟|氟|热风|自然风|冷飕飕|暖风|制热|不热|凉凉|凉",
    "ice": r"结冰|结霜|冰碴|冰溜|白毛|厚厚的冰|冰卡|霜",
    "leak": r"漏水|流水|全湿|漏|滴水|滴答|往下滴|滴到|流水|淌|渗|积水|一滩水|地上.*水|水.*地上|湿了|泡着|冒水|天花板|墙湿|湿一大片|一汪水|喷.*水|露水",
    "drain": r"排水|放不掉|排不|下不去|水.*(出不去|没出去|排)|泡着一桶水|半桶|脏水|排水管|地漏|堵",
    "spin": r"脱水|湿漉漉|转不起来|甩干|甩不|不转|转不动|一动不动|湿哒哒|拧出水|河里捞|托水|电机|波轮|滚筒不",
    "error_code": r"(?<![a-zA-Z])[EeFfHhPpCc][A-Za-z]?\s?\d{1,2}(?!\d)|故障码|故障代码|代码|报错|错误码|字母数字|字母和数字",
    "remote": r"遥控|摇控|小板子|语音.*(搜|按)|按电视下面|走过去按",
    "smart": r"投屏|推到电视|app|APP|软件|联网|网络|直播|点播|系统|开机广告|加载|转圈|看片|会员|应用|搜索设备|wifi|WiFi",
    "tv": r"电视|ds|看球|新闻联播|看片|频道|换台|机顶盒",
    "appliance_other": r"微波炉|热水器|油烟机|抽油烟|燃气灶|灶|洗碗机|电饭煲|电饭锅|净水器|烤箱|扫地机|饭|烟|火|跳闸|碗",
    # requests
    "install": r"安装|装机|装上|装一下|来装|挂墙|挂到墙|打孔|到货|送到了|还在箱子|收房|新房|弄一下|上门装",
    "relocate": r"移机|搬家|挪|拆下来|拆装|拆了|换个地方|新地方|带走|装回去|出租屋|搬到",
    "clean": r"清洗|清洁|保养|洗一下|洗洗|脏|霉味|异味|除垢|油污|干净|黑色的小渣|滴油",
    "delivery": r"快递|物流|单号|运单|配送|送货|发货|没发|寄回|寄过去|寄修|签收|没收到|包装|箱子|压扁|下单|到货时间|到哪",
    "money": r"钱|收费|费用|扣款|扣了|多收|退款|退钱|到账|发票|票|账单|付款|付了|结账|报价|价格|凭什么|免费|掏钱|块|元|两百|一百|三百",
    "complaint": r"投诉|一团糟|没结果|没人上门|没按时|态度|迟到|爽约|放鸽子|人不来|还不来|都不来|没人(来|理|管|联系)|没来|推诿|踢皮球|敷衍|冲|凶|骂|不认账|划了|12315|消协|曝光|差评|行不行|等.*(天|小时|礼拜|周)|一直让我等|连个电话|五次电话|修了.*次|师傅.*(走了|不管|不归)|说话.*冲",
    "question": r"请问|咨询|问一下|问问|想知道|多少钱|多久|保修期|保修吗|保修范围|能不能免费|政策|延保|怎么(设置|用|查|打开)|在哪|维修点|上班吗|活动|以旧换新|说明书",
    # product lines named in the text
    "line_phone": r"手机|手鸡|iphone|苹果|华为|小米|荣耀|oppo|vivo|安卓|sj|老人机|mate|nova",
    "line_tablet": r"平板|ipad|pad|pb|学习机",
    "line_laptop": r"笔记本|电脑|bjb|macbook|thinkpad|游戏本|轻薄本|拯救者|windows|win10|win11",
    "line_fridge": r"冰箱|冰相|bingxiang|冰柜|冷藏室|冷冻室|保鲜",
    "line_washer": r"洗衣机|洗衣鸡|xyj|滚筒|波轮|洗烘",
    "line_ac": r"空调|空掉|kt|挂机|柜机|外机|内机|出风口|格力|美的空调",
    "anger": r"气死|垃圾|破|什么玩意|无语|烦死|😡|🤬|👿|😤|！！|给个说法",
}

_COMPILED = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in CUES.items()}
NAMES: list[str] = list(CUES)


def cue_hits(text: str) -> dict[str, str]:
    """The cue groups found in ``text`` with the first matching words (for the explanation)."""
    hits = {}
    for name, pattern in _COMPILED.items():
        match = pattern.search(text or "")
        if match:
            hits[name] = match.group(0)
    return hits
