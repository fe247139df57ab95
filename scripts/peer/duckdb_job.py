#!/usr/bin/env python3
"""The reference job a data engineer would write in DuckDB for the narrower part of OneSource's night, on a city that
`onesource generate` wrote: read the six exports (DuckDB's own CSV and JSON readers; GB18030 decoded and XML parsed in
Python inside the timed job, as DuckDB cannot do either offline), standardize identity numbers and credit codes,
validate them, compare 人社局 with 公安局, run the association rules, and persist the tables in a DuckDB file.
Prints each check's count as JSON lines, then the wall time.

    python3 scripts/peer/duckdb_job.py CITY_DIR OUT.duckdb
"""
import json, os, shutil, sys, tempfile
import xml.etree.ElementTree as ET
import duckdb
from phases import Phases

city, out = sys.argv[1], sys.argv[2]
data = os.path.join(city, "data")
phase = Phases()
if os.path.exists(out):
    os.remove(out)
con = duckdb.connect(out)
con.execute("SET preserve_insertion_order = false")
tmp = tempfile.mkdtemp(prefix="peer-")

# --- Standards as SQL macros: identity numbers (GB 11643) and unified social credit codes (GB 32100). The weighted sums
# are written out term by term (a list lambda per row was 20 times slower).
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
id_sum = " + ".join(f"(ascii(substr(c, {k + 1}, 1)) - 48) * {w}" for k, w in enumerate(ID_WEIGHTS))
cc_sum = " + ".join(f"cc_value(substr(c, {k + 1}, 1)) * {w}" for k, w in enumerate(CC_WEIGHTS))
con.execute(rf"""
CREATE MACRO clean_code(s) AS upper(translate(regexp_replace(coalesce(s, ''), '[\s\x{{3000}}\x{{00A0}}]', '', 'g'),
    '０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹｘ', '0123456789ABCDEFGHJKLMNPQRTUWXYX'));
CREATE MACRO id_check(c) AS substr('10X98765432', CAST(({id_sum}) % 11 + 1 AS BIGINT), 1);
CREATE MACRO id_valid(c) AS regexp_full_match(c, '[0-9]{{17}}[0-9X]') AND try_strptime(substr(c, 7, 8), '%Y%m%d') IS NOT NULL
    AND id_check(c) = substr(c, 18, 1);
CREATE MACRO cc_value(ch) AS strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', ch) - 1;
CREATE MACRO cc_valid(c) AS regexp_full_match(c, '[0-9A-HJ-NPQRTUWXY]{{18}}') AND substr('0123456789ABCDEFGHJKLMNPQRTUWXY',
    CAST((31 - ({cc_sum}) % 31) % 31 + 1 AS BIGINT), 1) = substr(c, 18, 1);
CREATE MACRO any_date(s) AS coalesce(try_strptime(s, '%Y-%m-%d'), try_strptime(s, '%Y年%m月%d日'), try_strptime(s, '%Y/%m/%d'),
    try_strptime(s, '%Y%m%d'))::DATE;
""")

# --- Read. CSV with DuckDB's reader (all text, rejects kept); GB18030 decoded in Python; XML parsed in Python.
def read_csv(table, path):
    con.execute(f"""CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', all_varchar = true, header = true,
                    store_rejects = true, rejects_table = '{table}_rejects', rejects_scan = '{table}_scans', strict_mode = true)""")

read_csv("gongan", os.path.join(data, "公安局/户籍人口.csv"))
phase("read gongan")
renshe_utf8 = os.path.join(tmp, "renshe.csv")
# GB18030 cannot be cut at arbitrary bytes: decoded line by line (a line break is never part of a character).
with open(os.path.join(data, "人社局/社保参保.csv"), "rb") as source, open(renshe_utf8, "w", encoding="utf-8") as target:
    for line in source:
        target.write(line.decode("gb18030", errors="replace"))
phase("decode renshe")
read_csv("renshe", renshe_utf8)
read_csv("shenpi", os.path.join(data, "行政审批局/行政许可.csv"))
con.execute(f"CREATE TABLE deaths AS SELECT * FROM read_json('{os.path.join(data, '民政局/死亡登记.json')}', format = 'array', columns = "
            "{'登记编号': 'VARCHAR', '身份证号': 'VARCHAR', '姓名': 'VARCHAR', '死亡日期': 'VARCHAR', '登记机关': 'VARCHAR'})")
con.execute(f"CREATE TABLE penalties AS SELECT * FROM read_json('{os.path.join(data, '信用办/行政处罚.ndjson')}', format = 'newline_delimited', "
            "ignore_errors = true, columns = {'行政处罚决定书文号': 'VARCHAR', '行政相对人名称': 'VARCHAR', '统一社会信用代码': 'VARCHAR', "
            "'处罚决定日期': 'VARCHAR'})")
phase("read renshe, shenpi, deaths, penalties")
entities_csv = os.path.join(tmp, "entities.csv")
fields = ["统一社会信用代码", "名称", "法定代表人/姓名", "法定代表人/证件号码", "登记状态", "成立日期"]
with open(entities_csv, "w", encoding="utf-8") as target:
    target.write(",".join(f.replace("/", "_") for f in fields) + "\n")
    for _, element in ET.iterparse(os.path.join(data, "市场监管局/市场主体.xml")):
        if element.tag == "市场主体":
            values = [(element.findtext(f) or "").replace('"', '""') for f in fields]
            target.write(",".join(f'"{v}"' for v in values) + "\n")
            element.clear()
read_csv("entities", entities_csv)
phase("parse entities XML")

# --- Standardize and validate.
con.execute("""
CREATE TABLE persons AS SELECT *, clean_code(公民身份号码) AS id, id_valid(clean_code(公民身份号码)) AS id_ok,
    clean_code(公民身份号码) <> coalesce(公民身份号码, '') AS id_untidy FROM gongan;
CREATE TABLE insured AS SELECT *, clean_code(社会保障号码) AS id, id_valid(clean_code(社会保障号码)) AS id_ok FROM renshe;
CREATE TABLE firms AS SELECT *, clean_code(统一社会信用代码) AS code, cc_valid(clean_code(统一社会信用代码)) AS code_ok FROM entities;
CREATE TABLE licences AS SELECT *, clean_code(统一社会信用代码) AS code FROM shenpi;
CREATE TABLE pen AS SELECT *, clean_code(统一社会信用代码) AS code FROM penalties;
""")
checks = {
    "gongan rejected rows (row_rejected)": "SELECT count(*) FROM gongan_rejects",
    "gongan identity number invalid (conforms)": "SELECT count(*) FROM persons WHERE 公民身份号码 IS NOT NULL AND NOT id_ok",
    "gongan identity number untidy but valid (nonstandard_form)": "SELECT count(*) FROM persons WHERE id_ok AND id_untidy",
    "gongan name missing (required)": "SELECT count(*) FROM persons WHERE 姓名 IS NULL",
    "gongan birth date differs from identity (birth_date_matches_identity)":
        "SELECT count(*) FROM persons WHERE id_ok AND any_date(出生日期) IS NOT NULL AND any_date(出生日期) <> strptime(substr(id, 7, 8), '%Y%m%d')::DATE",
    "entities credit code invalid (conforms)": "SELECT count(*) FROM firms WHERE 统一社会信用代码 IS NOT NULL AND NOT code_ok",
    "renshe differs from gongan (matches_authority: name, gender, birth date)": """
        SELECT sum((i.姓名 IS DISTINCT FROM p.姓名)::INT + (i.性别 IS DISTINCT FROM p.性别)::INT
                   + (any_date(i.出生日期) IS DISTINCT FROM any_date(p.出生日期))::INT)
        FROM insured i JOIN persons p ON p.id = i.id WHERE i.id_ok AND p.id_ok AND p.姓名 IS NOT NULL""",
    "licence holder not registered (licence_holder_unregistered)":
        "SELECT count(*) FROM licences l WHERE cc_valid(l.code) AND NOT EXISTS (SELECT 1 FROM firms f WHERE f.code = l.code)",
    "licence valid, holder deregistered or revoked (licence_holder_inactive)":
        "SELECT count(*) FROM licences l JOIN firms f ON f.code = l.code WHERE l.当前状态 = '有效' AND f.登记状态 IN ('注销', '吊销')",
    "penalty subject not registered (penalty_subject_unregistered)":
        "SELECT count(*) FROM pen p WHERE cc_valid(p.code) AND NOT EXISTS (SELECT 1 FROM firms f WHERE f.code = p.code)",
    "benefits paid after death (benefit_after_death)": """
        SELECT count(*) FROM insured i JOIN deaths d ON clean_code(d.身份证号) = i.id
        WHERE i.参保状态 = '待遇享受' AND strptime(i.最近缴费或发放年月 || '-01', '%Y-%m-%d')::DATE > date_trunc('month', any_date(d.死亡日期))""",
    "legal representative dead (legal_rep_invalid_or_dead)":
        "SELECT count(*) FROM firms f JOIN deaths d ON clean_code(d.身份证号) = clean_code(f.法定代表人_证件号码)",
}
phase("standardize")
counts = {}
for name, sql in checks.items():
    counts[name] = con.execute(sql).fetchone()[0]
    print(json.dumps({"check": name, "count": counts[name]}, ensure_ascii=False))
phase("checks")
con.execute("CHECKPOINT")
con.close()
shutil.rmtree(tmp)  # the decoded and parsed copies are scratch: a job that leaves them fills the disk night after night
phase("persist")
print(json.dumps({"job": "duckdb", "duckdb": duckdb.__version__, "seconds": phase.total(), "phases": phase.seconds}, ensure_ascii=False))
