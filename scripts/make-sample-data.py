#!/usr/bin/env python3
"""Writes SampleData/: realistic, hand-checkable exports of seven Taizhou agencies, with deliberate defects.

Deterministic (fixed seed). Every injected defect is listed in SampleData/README.md with file and line,
so later stages can be checked against it. Run from the repository root: python3 scripts/make-sample-data.py
"""
import csv, io, json, os, random

random.seed(20261129)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleData")

# ---- standards (independent of the Swift code, so each checks the other) ----
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
def id_check(s17): return ID_CHECK[sum(int(c) * w for c, w in zip(s17, ID_WEIGHTS)) % 11]
def make_id(area, birth, seq): s = f"{area}{birth}{seq:03d}"; return s + id_check(s)
ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
def org_check(s8):
    t = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(s8, [3, 7, 9, 10, 5, 8, 4, 2]))
    c = 11 - t % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))
def credit_code(dept_cat, region, org8):
    s17 = dept_cat + region + org8 + org_check(org8)
    t = sum(ALPHA.index(c) * w for c, w in zip(s17, [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]))
    return s17 + ALPHA[(31 - t % 31) % 31]
def licence_id(type_code, issuer, serial, version="001"):
    p = 36
    for ch in type_code + issuer + serial + version:
        s = (p + int(ch, 36)) % 36 or 36
        p = (s * 2) % 37
    check = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(37 - p) % 36]
    return f"1.2.156.3005.2.{type_code}.{issuer}.{serial}.{version}.{check}"
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

COUNTIES = ["321202", "321203", "321204", "321281", "321282", "321283"]
RETIRED = ["321284", "321083", "321082", "321086", "321085"]   # 姜堰市 (1996-2012) and Yangzhou-era codes
# The current code that took over each retired one (as in Pipelines/catalog/rules.json divisionSuccessors).
SUCCESSOR = {"321284": "321204", "321083": "321281", "321082": "321202", "321086": "321282", "321085": "321283"}
STREETS = {"321202": ("海陵区", ["海陵南路", "鼓楼路", "青年南路", "凤凰路", "东进西路"]),
           "321203": ("高港区", ["通江路", "港城西路", "疏港北路"]),
           "321204": ("姜堰区", ["人民中路", "天目路", "三水大道"]),
           "321281": ("兴化市", ["英武路", "长安中路", "五里路"]),
           "321282": ("靖江市", ["人民路", "骥江路", "江平路"]),
           "321283": ("泰兴市", ["国庆路", "羌溪路", "文昌路"])}
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华文玉兰志强晓东海燕红梅春花立新")
MINORITY = [("阿依古丽·买买提", "05"), ("热合曼·吐尔逊", "05"), ("巴特尔·图门", "02")]
ETHNIC = ["01"] * 40 + ["03", "10", "11", "08"]

def name():
    return random.choice(SURNAMES) + "".join(random.choice(GIVEN) for _ in range(random.choice([1, 2])))
def rand_date(y0, y1):
    while True:
        y, m, d = random.randint(y0, y1), random.randint(1, 12), random.randint(1, 28)
        return y, m, d

defects = []   # (agency folder, file, line/record, what)
def defect(folder, file, where, what): defects.append((folder, file, where, what))

def write(path, text, encoding="utf-8", bom=False):
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        if bom: f.write(b"\xef\xbb\xbf")
        f.write(text.encode(encoding))

def csv_text(header, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        if isinstance(r, str): out.write(r + "\r\n")
        else: w.writerow(r)
    return out.getvalue()

# ---- 公安局: household registration ----
persons = []   # dicts: id, name, gender, birth (y,m,d), county, ethnic, address
used = set()
for i in range(1200):
    old = random.random() < 0.25
    y, m, d = rand_date(1935, 1995) if old else rand_date(1960, 2024)
    if old and y < 2000 and random.random() < 0.5:
        area = random.choice(RETIRED)
    else:
        area = random.choice(COUNTIES)
    while True:
        seq = random.randint(1, 999)
        pid = make_id(area, f"{y:04d}{m:02d}{d:02d}", seq)
        if pid not in used: break
    used.add(pid)
    county = area if area in COUNTIES else SUCCESSOR[area]
    district, streets = STREETS[county]
    p = dict(id=pid, name=name(), gender="1" if seq % 2 else "2", birth=(y, m, d), county=county, ethnic=random.choice(ETHNIC),
             address=f"江苏省泰州市{district}{random.choice(streets)}{random.randint(1, 300)}号{random.randint(1, 30)}幢{random.randint(101, 2406)}室")
    persons.append(p)
# one leap-day birth, valid
persons[10]["birth"] = (2000, 2, 29); persons[10]["id"] = make_id("321202", "20000229", 15); persons[10]["gender"] = "1"; persons[10]["county"] = "321202"
for k, (n, e) in enumerate(MINORITY):
    persons[20 + k]["name"] = n; persons[20 + k]["ethnic"] = e

GENDER_TEXT = {"1": "男", "2": "女"}
header = ["公民身份号码", "姓名", "性别", "民族", "出生日期", "户籍地址", "户籍区划代码", "登记日期"]
rows = []
F = "户籍人口.csv"; G = "公安局"
def line_of(idx): return idx + 2   # header is line 1; no multi-line rows in this file
for idx, p in enumerate(persons):
    y, m, d = p["birth"]
    rows.append([p["id"], p["name"], GENDER_TEXT[p["gender"]], p["ethnic"], f"{y:04d}-{m:02d}-{d:02d}", p["address"], p["county"],
                 f"{random.randint(2005, 2025)}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"])
def corrupt_check(pid):
    c = pid[17]; options = [x for x in "0123456789X" if x != c]; return pid[:17] + random.choice(options)
for idx in (31, 77):
    rows[idx][0] = corrupt_check(rows[idx][0]); defect(G, F, line_of(idx), "identity number with a wrong check character")
for idx in (45, 132):   # legacy 15-digit (born 19xx)
    p = persons[idx]
    if p["birth"][0] < 1900 or p["birth"][0] > 1999:
        p["birth"] = (1968, 5, 12); rows[idx][4] = "1968-05-12"
        p["id"] = make_id(p["id"][:6], "19680512", int(p["id"][14:17])); rows[idx][0] = p["id"]
    rows[idx][0] = p["id"][:6] + p["id"][8:17]; defect(G, F, line_of(idx), "legacy 15-digit identity number (usable after upgrade)")
for idx in (58, 203):
    rows[idx][0] = rows[idx][0].translate(FULLWIDTH); defect(G, F, line_of(idx), "identity number in full-width digits")
# lower-case x: find a person whose check is X
for idx, p in enumerate(persons):
    if p["id"].endswith("X") and idx > 310:
        rows[idx][0] = p["id"][:17] + "x"; defect(G, F, line_of(idx), "check character written as lower-case x"); break
for idx in (88, 250):
    y, m, d = persons[idx]["birth"]; rows[idx][4] = f"{y:04d}-{m:02d}-{(d % 28) + 1:02d}"
    defect(G, F, line_of(idx), "birth date contradicts the identity number")
for idx in (99, 301):
    rows[idx][2] = "女" if persons[idx]["gender"] == "1" else "男"; defect(G, F, line_of(idx), "gender contradicts the identity number")
for idx in (140, 410):
    rows[idx][1] = ""; defect(G, F, line_of(idx), "required name missing")
rows[160][4] = "2023-02-30"; defect(G, F, line_of(160), "impossible birth date 2023-02-30")
rows[175][1] = "　" + rows[175][1] + " "; defect(G, F, line_of(175), "name with surrounding full-width and ASCII spaces (standardizable)")
rows[21][1] = rows[21][1].replace("·", "•"); defect(G, F, line_of(21), "minority name with bullet • instead of middle dot · (standardizable)")
rows[180][3] = "99"; defect(G, F, line_of(180), "ethnicity code 99 not in GB/T 3304")
rows[190][6] = "321299"; defect(G, F, line_of(190), "division code 321299 does not exist")
rows[195][6] = "321282" if rows[195][6] != "321282" else "321283"
defect(G, F, line_of(195), "household division differs from the identity number's address code (notice: people move; verify)")
# duplicate: row 500 appended again at the end (same key)
dup = list(rows[500])
rows.append(dup); defect(G, F, len(rows) + 1, f"duplicate of line {line_of(500)} (same identity number)")
# malformed rows: an unterminated quote and a short row
rows.append('3212021985061200' + '1X,"王小明,男,01,1985-06-12,江苏省泰州市海陵区鼓楼路1号,321202,2020-01-01')
defect(G, F, len(rows) + 1, "malformed CSV row: quote opened and never closed (rejected at ingest, reading continues)")
rows.append(persons[600]["id"] + ",李四,男,01")
defect(G, F, len(rows) + 1, "malformed CSV row: 4 fields instead of 8 (rejected at ingest)")
p = persons[601]; y, m, d = p["birth"]
rows.append([p["id"] if False else make_id("321283", "19900101", 57), "陈一鸣", "男", "01", "1990-01-01", "江苏省泰州市泰兴市国庆路8号", "321283", "2019-03-02"])
write("公安局/户籍人口.csv", csv_text(header, rows))

# ---- 民政局: death registrations (JSON array) ----
dead = random.sample(range(300, 1100), 40)
death = []
for k, idx in enumerate(dead):
    p = persons[idx]
    y = max(p["birth"][0] + 40, 2018)
    dy, dm, dd = min(y, 2025), random.randint(1, 12), random.randint(1, 28)
    death.append({"登记编号": f"泰民死字〔{dy}〕{k + 1:04d}号", "身份证号": p["id"], "姓名": p["name"],
                  "死亡日期": f"{dy:04d}-{dm:02d}-{dd:02d}", "登记机关": "泰州市民政局"})
death[3]["身份证号"] = int(death[3]["身份证号"]) if death[3]["身份证号"][-1] != "X" else death[3]["身份证号"]
death[5]["死亡日期"] = "2025-13-01"
death[6]["身份证号"] = None
text = "[\n" + ",\n".join("  " + json.dumps(o, ensure_ascii=False) for o in death) + "\n]\n"
lines = text.split("\n")
for k in (3, 5, 6):
    what = {3: "identity number written as a JSON number (must keep all 18 digits)", 5: "impossible death date 2025-13-01",
            6: "identity number null (required value missing)"}[k]
    defect("民政局", "死亡登记.json", k + 2, what)
write("民政局/死亡登记.json", text)

# ---- 人社局: social insurance (GB18030, Chinese headers, 2024年3月7日 dates) ----
header = ["社会保障号码", "姓名", "性别", "出生日期", "参保状态", "险种类型", "最近缴费或发放年月", "联系电话"]
rows = []
insured = random.sample(range(0, 1200), 700)
for idx in insured:
    p = persons[idx]; y, m, d = p["birth"]
    status = "待遇享受" if y < 1964 else "正常参保"
    rows.append([p["id"], p["name"], GENDER_TEXT[p["gender"]], f"{y}年{m}月{d}日", status,
                 "城镇职工基本养老保险" if y < 1964 else random.choice(["城镇职工基本养老保险", "城乡居民基本养老保险"]),
                 "2026-10", random.choice(["13", "15", "18", "19"]) + f"{random.randint(0, 999999999):09d}"])
F = "社保参保.csv"; G = "人社局"
dead_ids = {persons[i]["id"] for i in dead}
paid_after_death = 0
for r_i, r in enumerate(rows):
    if r[0] in dead_ids and paid_after_death < 3:
        r[4] = "待遇享受"; paid_after_death += 1
        defect(G, F, r_i + 2, "benefit still paid (待遇享受, 2026-10) to a person with a death registration")
    elif r[0] in dead_ids:
        r[4] = "终止参保"
for r_i in (12, 340, 555):
    r = rows[r_i]; r[1] = r[1][0] + ("晓" if r[1][1:2] != "晓" else "小") + r[1][2:]
    defect(G, F, r_i + 2, "name differs from 公安局's for the same identity number")
rows[60][7] = "0523-86688" ; defect(G, F, 62, "landline phone too short")
rows[61][7] = "+86 139-1234-5678"; defect(G, F, 63, "mobile written with +86 and separators (standardizable)")
rows[62][7] = "(0523)86881234"; defect(G, F, 64, "Taizhou landline with area code in brackets (standardizable)")
rows[70][3] = "1988年2月30日"; defect(G, F, 72, "impossible birth date 1988年2月30日")
for k, area in enumerate(["110105", "320106", "340104"]):
    pid = make_id(area, f"19{70 + k}0{k + 3}15", 20 + k)
    rows.append([pid, name(), "男" if (20 + k) % 2 else "女", f"19{70 + k}年{k + 3}月15日", "正常参保", "城镇职工基本养老保险", "2026-10", f"1381234{5670 + k}"])
    defect(G, F, len(rows) + 1, "insured person registered outside Taizhou (not in 公安局's records; not an error)")
write("人社局/社保参保.csv", csv_text(header, rows), encoding="gb18030")

# ---- 市场监管局: legal entities (XML) ----
entities = []
for k in range(300):
    county = random.choice(COUNTIES)
    org = "MA" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
    kind = random.choices(["91", "92", "93"], [70, 25, 5])[0]
    code = credit_code(kind, county, org)
    rep = persons[random.randint(0, 299)]
    y, m, d = rand_date(2000, 2023)
    entities.append(dict(code=code, name=f"泰州市{STREETS[county][0]}{random.choice(['恒', '瑞', '鑫', '华', '润', '康', '泰', '盛'])}{random.choice(['达', '源', '通', '丰', '安', '信'])}{random.choice(['商贸', '建材', '食品', '机械', '医药', '电子'])}{'有限公司' if kind == '91' else ('经营部' if kind == '92' else '专业合作社')}",
                         rep=rep["name"], rep_id=rep["id"], status="存续", est=(y, m, d), county=county,
                         address=f"泰州市{STREETS[county][0]}{random.choice(STREETS[county][1])}{random.randint(1, 500)}号"))
for k in (5, 17, 29, 41, 53):
    entities[k]["status"] = "注销"
entities[66]["status"] = "吊销"
def xml_escape(s): return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<市场主体列表 导出时间="2026-11-28T02:00:00+08:00" 登记机关="泰州市市场监督管理局">']
F = "市场主体.xml"; G = "市场监管局"
bad_codes = {90, 120}
for k, e in enumerate(entities):
    code = e["code"]
    if k in bad_codes:
        code = code[:17] + ("0" if code[17] != "0" else "1")
    if k == 140: e["rep_id"] = corrupt_check(e["rep_id"])
    if k == 150: e["rep_id"] = persons[dead[0]]["id"]
    start = len(xml) + 1
    y, m, d = e["est"]
    xml += [f'  <市场主体 序号="{k + 1}">', f"    <统一社会信用代码>{code}</统一社会信用代码>", f"    <名称>{xml_escape(e['name'])}</名称>",
            f"    <法定代表人><姓名>{e['rep']}</姓名><证件号码>{e['rep_id']}</证件号码></法定代表人>",
            f"    <登记状态>{e['status']}</登记状态>", f"    <成立日期>{y:04d}-{m:02d}-{d:02d}</成立日期>",
            f"    <住所>{xml_escape(e['address'])}</住所>", f"    <登记机关区划>{e['county']}</登记机关区划>", "  </市场主体>"]
    if k in bad_codes: defect(G, F, start, "unified social credit code with a wrong check character")
    if k == 140: defect(G, F, start, "legal representative's identity number has a wrong check character")
    if k == 150: defect(G, F, start, "legal representative has a death registration (民政局)")
    if e["status"] in ("注销", "吊销"): defect(G, F, start, f"entity {e['status']} (licences still valid for it are defects in 行政审批局's data)")
xml.append("</市场主体列表>")
write("市场监管局/市场主体.xml", "\n".join(xml) + "\n")

# ---- 行政审批局: licences (CSV, UTF-8 with BOM, 2024/3/7 dates) ----
header = ["行政许可决定文书号", "许可证书名称", "许可编号", "相对人名称", "统一社会信用代码", "法定代表人", "许可决定日期", "有效期自", "有效期至",
          "许可机关", "当前状态", "许可内容", "电子证照标识"]
ISSUER = credit_code("11", "321200", "MB1957" + "02")   # 泰州市行政审批局 (synthetic organisation code)
rows = []
F = "行政许可.csv"; G = "行政审批局"
line = 2
lic_entities = list(range(0, 300))
for k in range(400):
    e = entities[lic_entities[k % 300]] if k < 380 else None
    if e is None: continue
    ey, em, ed = e["est"]
    iy = random.randint(max(ey, 2018) + (1 if ey >= 2018 else 0), 2025)
    im, idd = random.randint(1, 12), random.randint(1, 28)
    serial = f"{iy}{k + 1:07d}"
    lic_no = f"JY3{e['county']}{k + 1:06d}"
    rows.append([f"泰审批许〔{iy}〕{k + 1}号", "食品经营许可证", lic_no, e["name"], e["code"], e["rep"], f"{iy}/{im}/{idd}", f"{iy}/{im}/{idd}",
                 f"{iy + 5}/{im}/{idd}", "泰州市行政审批局", "有效", "预包装食品销售", licence_id("11100000000013338W011", ISSUER, serial)])
by_code = {}
for r_i, r in enumerate(rows): by_code.setdefault(r[4], []).append(r_i)
for k in (5, 17, 29):   # deregistered entities' licences stay valid (every licence of theirs)
    for r_i in by_code[entities[k]["code"]]:
        defect(G, F, r_i + 2, f"licence still 有效 but holder is {entities[k]['status']} in 市场监管局's register")
for k in (41, 53):
    for r_i in by_code[entities[k]["code"]]: rows[r_i][10] = "注销"
for r_i in by_code[entities[66]["code"]]:
    defect(G, F, r_i + 2, "licence still 有效 but holder is 吊销 in 市场监管局's register")
# 市场监管局 delivered entities 90 and 120 with a wrong check character: their real codes, used in licences and
# penalties, are then not in the register either (the cascade an engineer sees; the fix is 市场监管局's).
xml_line = {k: 3 + 9 * k for k in bad_codes}
for k in sorted(bad_codes):
    for r_i in by_code.get(entities[k]["code"], []):
        defect(G, F, r_i + 2, f"holder's credit code not in 市场监管局's register, because 市场监管局 delivered it with a wrong check character (市场主体.xml line {xml_line[k]})")
rows[200][8] = rows[200][6].replace(rows[200][6][:4], str(int(rows[200][6][:4]) - 1), 1); defect(G, F, 202, "expiry date before the decision date")
for r_i in (210, 230):
    e = entities[[i for i, x in enumerate(entities) if x["code"] == rows[r_i][4]][0]]
    ey, em, ed = e["est"]; rows[r_i][6] = rows[r_i][7] = f"{ey - 1}/{em}/{ed}"
    defect(G, F, r_i + 2, "licence issued before the holder was established")
for k, r_i in enumerate((250, 260)):
    rows[r_i][4] = credit_code("91", "321283", f"MA7Y{k}Q4{k}"); rows[r_i][3] = f"泰兴市未登记商贸有限公司{k + 1}"
    defect(G, F, r_i + 2, "holder's credit code is valid but not in 市场监管局's register")
rows[270][12] = rows[270][12][:-1] + ("A" if rows[270][12][-1] != "A" else "B"); defect(G, F, 272, "electronic licence identifier with a wrong MOD 37,36 check")
rows[280][6] = "2024/2/30"; defect(G, F, 282, "impossible decision date 2024/2/30")
rows.append(list(rows[100])); defect(G, F, len(rows) + 1, f"duplicate licence number (same as line {102})")
# a valid row whose 许可内容 holds a comma, a quote and a line break: one row over two lines
rows[300][11] = '预包装食品销售，散装食品销售\n（含冷藏冷冻食品，"热食类"除外）'
write("行政审批局/行政许可.csv", csv_text(header, rows), bom=True)
# fix up lines after the multi-line row: defects on rows after index 300 shift by one line
defects[:] = [(a, f, (w + 1 if (a == G and f == F and isinstance(w, int) and w > 302) else w), t) for a, f, w, t in defects]

# ---- 信用办: administrative penalties (NDJSON) ----
F = "行政处罚.ndjson"; G = "信用办"
lines_out = []
for k in range(150):
    e = entities[random.randint(0, 299)]
    y, m, d = rand_date(2023, 2026) if True else None
    if (y, m) > (2026, 10): y = 2025
    o = {"行政处罚决定书文号": f"泰市监罚〔{y}〕{k + 1:03d}号", "行政相对人名称": e["name"], "行政相对人类别": "法人及非法人组织",
         "统一社会信用代码": e["code"], "法定代表人": e["rep"], "违法行为类型": "违反食品安全法", "处罚类别": "罚款",
         "罚款金额（万元）": round(random.choice([0.2, 0.5, 1, 2, 5]), 2), "处罚决定日期": f"{y:04d}{m:02d}{d:02d}",
         "处罚机关": "泰州市市场监督管理局", "数据来源单位": "泰州市市场监督管理局"}
    lines_out.append(json.dumps(o, ensure_ascii=False))
for k, i in enumerate((20, 40)):
    o = json.loads(lines_out[i]); o["统一社会信用代码"] = credit_code("91", "321202", f"MA8Y{k}P2{k}"); o["行政相对人名称"] = f"泰州市海陵区未登记餐饮店{k + 1}"
    lines_out[i] = json.dumps(o, ensure_ascii=False); defect(G, F, i + 1, "penalty subject's credit code is not in 市场监管局's register")
for i, line in enumerate(lines_out):
    code = json.loads(line)["统一社会信用代码"]
    for k in sorted(bad_codes):
        if code == entities[k]["code"]:
            defect(G, F, i + 1, f"subject's credit code not in 市场监管局's register, because 市场监管局 delivered it with a wrong check character (市场主体.xml line {xml_line[k]})")
o = json.loads(lines_out[60]); o["处罚决定日期"] = "20250229"; lines_out[60] = json.dumps(o, ensure_ascii=False)
defect(G, F, 61, "impossible decision date 20250229 (2025 is not a leap year)")
lines_out[80] = lines_out[80][:-1] + ',"备注": }'; defect(G, F, 81, "malformed JSON line (rejected at ingest, reading continues)")
write("信用办/行政处罚.ndjson", "\n".join(lines_out) + "\n")

# ---- 自然资源和规划局: divisions and standard addresses (CSV) ----
F = "行政区划.csv"; G = "自然资源和规划局"
div_rows = [["320000", "江苏省", "", "省", "1949-10-01", ""], ["321200", "泰州市", "320000", "地级市", "1996-08-12", ""],
            ["321201", "市辖区", "321200", "市辖区", "1996-08-12", ""], ["321202", "海陵区", "321200", "市辖区", "1997-01-01", ""],
            ["321203", "高港区", "321200", "市辖区", "1997-01-01", ""], ["321204", "姜堰区", "321200", "市辖区", "2012-12-07", ""],
            ["321281", "兴化市", "321200", "县级市", "1996-08-12", ""], ["321282", "靖江市", "321200", "县级市", "1996-08-12", ""],
            ["321283", "泰兴市", "321200", "县级市", "1996-08-12", ""], ["321284", "姜堰市", "321200", "县级市", "1996-08-12", "2012-12-07"]]
write("自然资源和规划局/行政区划.csv", csv_text(["区划代码", "区划名称", "上级区划代码", "级别", "启用日期", "停用日期"], div_rows))
F = "标准地址.csv"
addr = []
for k in range(450):
    county = random.choice(COUNTIES); district, streets = STREETS[county]
    lon, lat = 119.9 + random.random() * 0.4, 32.2 + random.random() * 0.8
    addr.append([f"321200{k + 1:08d}", county, f"江苏省泰州市{district}{random.choice(streets)}{random.randint(1, 300)}号", f"{lon:.6f}", f"{lat:.6f}"])
addr[33][1] = "321284"; defect(G, "标准地址.csv", 35, "address in retired division 321284 姜堰市 (now 321204 姜堰区)")
addr[44][3] = ""; defect(G, "标准地址.csv", 46, "longitude missing")
write("自然资源和规划局/标准地址.csv", csv_text(["地址编码", "所属区划代码", "标准地址", "经度", "纬度"], addr))

# ---- README ----
counts = {}
for a, f, w, t in defects: counts[a] = counts.get(a, 0) + 1
out = ["# SampleData: exports of seven Taizhou agencies", "",
       "Synthetic but realistic: real Taizhou division codes (current and retired), valid check characters,",
       "Chinese names and addresses. Written by `python3 scripts/make-sample-data.py` (deterministic); do not edit by hand.", "",
       "| agency | file | format | records |", "|---|---|---|---|",
       f"| 公安局 | 公安局/户籍人口.csv | CSV, UTF-8, CRLF | {len(persons) + 4} rows |",
       f"| 人社局 | 人社局/社保参保.csv | CSV, GB18030, Chinese headers, dates as 1988年2月3日 | {len(insured) + 3} rows |",
       f"| 民政局 | 民政局/死亡登记.json | JSON array | {len(death)} objects |",
       f"| 市场监管局 | 市场监管局/市场主体.xml | XML | {len(entities)} records |",
       f"| 行政审批局 | 行政审批局/行政许可.csv | CSV, UTF-8 with BOM, dates as 2024/3/7 | {len(rows)} rows (one spans two lines) |",
       f"| 信用办 | 信用办/行政处罚.ndjson | newline-delimited JSON, dates as 20240307 | {len(lines_out)} lines |",
       f"| 自然资源和规划局 | 自然资源和规划局/行政区划.csv, 标准地址.csv | CSV, UTF-8 | {len(div_rows)} + {len(addr)} rows |", "",
       "People born before 1996 may carry Yangzhou-era or retired address codes (321083, 321284, …) in their",
       "identity numbers; that is correct, not a defect. 人社局 also insures three people registered outside Taizhou.", "",
       "## Deliberate defects", "", "Lines are physical lines of the file (line 1 is the CSV header; for XML the line of the record's",
       "start tag; for JSON the line of the object). \"Found by\" names the stage that must report it: `ingest`",
       "(a rejected row), `verify` (per-record rules), `compare` (multi-source comparison with the authority) or",
       "`associate` (association rules across datasets and the base databases); rows marked \"no finding\" are",
       "context that must not be flagged.", "", "| agency | file | line | defect | found by |", "|---|---|---|---|---|"]
def stage(text):
    if text.startswith("malformed"): return "ingest"
    if "not an error" in text or text.startswith("entity ") or "must keep all 18 digits" in text: return "no finding (context)"
    if "name differs" in text: return "compare"
    for word in ("benefit", "not in 市场监管局", "death registration", "issued before the holder", "licence still",
                 "legal representative"):
        if word in text: return "associate"
    return "verify"
for a, f, w, t in sorted(defects, key=lambda d: (d[0], d[1], d[2])):
    out.append(f"| {a} | {f} | {w} | {t} | {stage(t)} |")
out.append("")
write("README.md", "\n".join(out))
print(f"wrote {ROOT}: {len(defects)} defects listed")
