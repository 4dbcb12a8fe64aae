from crawlers.encoding import decode_html


def test_utf8_page_that_claims_gb2312():
    body = '<html><head><meta charset="gb2312"></head><body>客户关系管理 魯莫</body></html>'.encode()
    text, encoding = decode_html(body, "text/html; charset=gb2312")
    assert encoding == "utf-8" and "客户关系管理 魯莫" in text


def test_gbk_without_declaration_and_big5_with_one():
    gbk = "<p>鲁莫外卖配送太慢了，客服电话根本打不通</p>".encode("gbk")
    assert "配送太慢" in decode_html(gbk)[0]
    big5 = '<meta charset="big5"><p>魯莫外送太慢了，客服電話根本打不通</p>'.encode("big5")
    text, encoding = decode_html(big5)
    assert "外送太慢" in text and encoding.startswith("big5")


def test_cp1252_and_bom():
    assert "café – naïve" in decode_html("<p>café – naïve</p>".encode("cp1252"))[0]
    assert decode_html("<p>x</p>".encode("utf-16"))[0].startswith("<p>x")  # utf-16 writes its BOM


def test_shared_gb2312_news_page_decodes_cleanly(shared_data):
    body = (shared_data / "html/zh_news_gb2312_xinhuanet.html").read_bytes()
    text, _ = decode_html(body, None)
    assert "\ufffd" not in text
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > 200
