#!/usr/bin/env python3
"""Generates a large synthetic city in the catalog's formats, for the benchmarks.

usage: gen-bench-data.py OUT_DIR [PERSONS] [DEATHS] [ENTITIES]
Writes, for PERSONS people: 公安局/户籍人口.csv (UTF-8, PERSONS rows), 人社局/社保参保.csv (GB18030, PERSONS/2),
民政局/死亡登记.json (DEATHS objects), 市场监管局/市场主体.xml (ENTITIES records), 行政审批局/行政许可.csv
(ENTITIES * 3 / 2 licences), 信用办/行政处罚.ndjson (ENTITIES / 4 penalties) and the 自然资源和规划局 division
and address tables. Values are valid and consistent, so the benchmark measures clean data. Deterministic.
"""
import os, random, sys

out = sys.argv[1]
csv_rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
persons = csv_rows
json_objects = int(sys.argv[3]) if len(sys.argv) > 3 else 200_000
xml_records = int(sys.argv[4]) if len(sys.argv) > 4 else 200_000
random.seed(7)
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"
AREAS = ["321202", "321203", "321204", "321281", "321282", "321283", "321284", "321083"]
# Current division for each address code (retired ones by their successor, as in rules.json).
CURRENT = {"321284": "321204", "321083": "321281"}
import datetime
BASE = datetime.date(1940, 1, 1)
SUR = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIV = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚华国玉兰志东海燕红梅春花立新"
def ident(i):
    """A unique, valid identity number per i: 1,000 sequence numbers per birth date, dates 29 days apart."""
    born = BASE + datetime.timedelta(days=(i // 1000) * 29 % 29000)
    y, m, d = born.year, born.month, born.day
    s = f"{AREAS[(i // 1000) % 8]}{y:04d}{m:02d}{d:02d}{i % 1000:03d}"
    return s + C[sum(int(c) * w for c, w in zip(s, W)) % 11], y, m, d
def name(i): return SUR[i % len(SUR)] + GIV[(i // 7) % len(GIV)] + GIV[(i // 13) % len(GIV)]

def opened(path, encoding="utf-8"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return open(path, "w", encoding=encoding, newline="")

with opened(f"{out}/公安局/户籍人口.csv") as f:
    f.write("公民身份号码,姓名,性别,民族,出生日期,户籍地址,户籍区划代码,登记日期\r\n")
    buf = []
    for i in range(csv_rows):
        pid, y, m, d = ident(i)
        addr = f"江苏省泰州市海陵区海陵南路{i % 300 + 1}号{i % 30 + 1}幢{101 + i % 2000}室"
        if i % 50 == 0: addr = f'"江苏省泰州市海陵区青年南路{i % 300}号, ""东苑""小区"'
        area = pid[:6]
        buf.append(f"{pid},{name(i)},{'男' if int(pid[16]) % 2 else '女'},01,{y:04d}-{m:02d}-{d:02d},{addr},{CURRENT.get(area, area)},2015-06-01\r\n")
        if len(buf) == 10000: f.write("".join(buf)); buf = []
    f.write("".join(buf))
with opened(f"{out}/人社局/社保参保.csv", "gb18030") as f:
    f.write("社会保障号码,姓名,性别,出生日期,参保状态,险种类型,最近缴费或发放年月,联系电话\r\n")
    buf = []
    for i in range(csv_rows // 2):
        pid, y, m, d = ident(i)
        buf.append(f"{pid},{name(i)},{'男' if int(pid[16]) % 2 else '女'},{y}年{m}月{d}日,正常参保,城镇职工基本养老保险,2026-10,1390523{i % 10000:04d}\r\n")
        if len(buf) == 10000: f.write("".join(buf)); buf = []
    f.write("".join(buf))
with opened(f"{out}/民政局/死亡登记.json") as f:
    f.write("[\n")
    for i in range(json_objects):
        pid, y, m, d = ident(i * 3)
        sep = ",\n" if i < json_objects - 1 else "\n"
        f.write(f'  {{"登记编号": "泰民死字〔2025〕{i:06d}号", "身份证号": "{pid}", "姓名": "{name(i * 3)}", "死亡日期": "2025-{1 + i % 12:02d}-{1 + i % 28:02d}", "登记机关": "泰州市民政局"}}{sep}')
    f.write("]\n")
ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
def org_check(s8):
    t = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(s8, [3, 7, 9, 10, 5, 8, 4, 2]))
    c = 11 - t % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))
def credit(i):
    org = "MA" + "".join(ALPHA[(i // 31 ** k) % 31] for k in range(6))
    s17 = "91321202" + org + org_check(org)
    t = sum(ALPHA.index(c) * w for c, w in zip(s17, [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]))
    return s17 + ALPHA[(31 - t % 31) % 31]
with opened(f"{out}/市场监管局/市场主体.xml") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<市场主体列表>\n')
    for i in range(xml_records):
        pid, y, m, d = ident(persons - 1 - i)   # legal representatives from the other end than the deaths
        f.write(f'  <市场主体 序号="{i + 1}">\n    <统一社会信用代码>{credit(i)}</统一社会信用代码>\n    <名称>泰州市海陵区恒达商贸有限公司{i}</名称>\n'
                f'    <法定代表人><姓名>{name(persons - 1 - i)}</姓名><证件号码>{pid}</证件号码></法定代表人>\n    <登记状态>存续</登记状态>\n'
                f'    <成立日期>2010-{1 + i % 12:02d}-{1 + i % 28:02d}</成立日期>\n    <住所>泰州市海陵区凤凰路{i % 500}号</住所>\n'
                f'    <登记机关区划>321202</登记机关区划>\n  </市场主体>\n')
    f.write("</市场主体列表>\n")
with opened(f"{out}/行政审批局/行政许可.csv") as f:
    f.write("\ufeff行政许可决定文书号,许可证书名称,许可编号,相对人名称,统一社会信用代码,法定代表人,许可决定日期,有效期自,有效期至,许可机关,当前状态,许可内容,电子证照标识\r\n")
    buf = []
    for k in range(xml_records * 3 // 2):
        i = k % xml_records
        y, m, d = 2015 + k % 10, 1 + k % 12, 1 + k % 28
        buf.append(f"泰审批许〔{y}〕{k + 1}号,食品经营许可证,JY3321202{k:08d},泰州市海陵区恒达商贸有限公司{i},{credit(i)},{name(persons - 1 - i)},"
                   f"{y}/{m}/{d},{y}/{m}/{d},{y + 5}/{m}/{d},泰州市行政审批局,有效,预包装食品销售,\r\n")
        if len(buf) == 10000: f.write("".join(buf)); buf = []
    f.write("".join(buf))
with opened(f"{out}/信用办/行政处罚.ndjson") as f:
    for k in range(xml_records // 4):
        i = (k * 7) % xml_records
        f.write(f'{{"行政处罚决定书文号": "泰市监罚〔2025〕{k + 1:06d}号", "行政相对人名称": "泰州市海陵区恒达商贸有限公司{i}", '
                f'"行政相对人类别": "法人及非法人组织", "统一社会信用代码": "{credit(i)}", "法定代表人": "{name(persons - 1 - i)}", '
                f'"违法行为类型": "违反食品安全法", "处罚类别": "罚款", "罚款金额（万元）": 0.5, "处罚决定日期": "2025{1 + k % 12:02d}{1 + k % 28:02d}", '
                f'"处罚机关": "泰州市市场监督管理局", "数据来源单位": "泰州市市场监督管理局"}}\n')
with opened(f"{out}/自然资源和规划局/行政区划.csv") as f:
    f.write("区划代码,区划名称,上级区划代码,级别,启用日期,停用日期\r\n320000,江苏省,,省,1949-10-01,\r\n321200,泰州市,320000,地级市,1996-08-12,\r\n"
            "321202,海陵区,321200,市辖区,1997-01-01,\r\n321203,高港区,321200,市辖区,1997-01-01,\r\n")
with opened(f"{out}/自然资源和规划局/标准地址.csv") as f:
    f.write("地址编码,所属区划代码,标准地址,经度,纬度\r\n")
    for k in range(persons // 10):
        f.write(f"321200{k + 1:08d},321202,江苏省泰州市海陵区海陵南路{k % 300 + 1}号{k % 30 + 1}幢,119.9{k % 1000:03d},32.4{k % 1000:03d}\r\n")
