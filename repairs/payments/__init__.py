"""Payment at hand-back and refunds: WeChat Pay and Alipay behind one gateway interface, cash and
bank transfer recorded by staff, signed notifications verified, refunds backed by the 三包 decision."""
