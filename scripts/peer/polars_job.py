#!/usr/bin/env python3
"""The same reference job as duckdb_job.py, written in Polars (its CSV and JSON readers, vectorised expressions,
Parquet out): read the six exports (GB18030 decoded and XML parsed in Python inside the timed job), standardize
identity numbers and credit codes, validate them, compare 人社局 with 公安局, run the association rules, and write
the tables as Parquet. Prints each check's count as JSON lines, then the wall time.

    python3 scripts/peer/polars_job.py CITY_DIR OUT_DIR
"""
import io, json, os, sys
import xml.etree.ElementTree as ET
import polars as pl
from phases import Phases

city, out = sys.argv[1], sys.argv[2]
data = os.path.join(city, "data")
phase = Phases()
os.makedirs(out, exist_ok=True)

def csv(path_or_bytes):
    # Every column as text. Polars' reader stops the whole file at the first quote that does not close on its line
    # (ComputeError "is not properly escaped"), so quotes are not interpreted: the exports quote no field that holds
    # a comma, and the lines whose fields do not fit are counted below from the raw lines.
    return pl.read_csv(path_or_bytes, infer_schema=False, ignore_errors=True, truncate_ragged_lines=True, quote_char=None)

gongan_path = os.path.join(data, "公安局/户籍人口.csv")
gongan = csv(gongan_path)
with open(gongan_path, "rb") as f:
    gongan_lines = sum(1 for line in f if line.strip()) - 1
phase("read gongan")
with open(os.path.join(data, "人社局/社保参保.csv"), "rb") as f:
    renshe = csv(io.BytesIO(f.read().decode("gb18030", errors="replace").encode("utf-8")))
phase("decode and read renshe")
shenpi = csv(os.path.join(data, "行政审批局/行政许可.csv"))
deaths = pl.read_json(os.path.join(data, "民政局/死亡登记.json"), infer_schema_length=None).select(pl.all().cast(pl.Utf8))
rows = []
with open(os.path.join(data, "信用办/行政处罚.ndjson"), encoding="utf-8", errors="replace") as f:
    for line in f:
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if isinstance(o, dict):
            rows.append({"name": str(o.get("行政相对人名称", "")), "code": str(o.get("统一社会信用代码") or "")})
penalties = pl.DataFrame(rows, schema={"name": pl.Utf8, "code": pl.Utf8})
phase("read shenpi, deaths, penalties")
fields = ["统一社会信用代码", "名称", "法定代表人/姓名", "法定代表人/证件号码", "登记状态", "成立日期"]
columns = {f: [] for f in fields}
for _, element in ET.iterparse(os.path.join(data, "市场监管局/市场主体.xml")):
    if element.tag == "市场主体":
        for f in fields:
            columns[f].append(element.findtext(f) or None)
        element.clear()
entities = pl.DataFrame({f.replace("/", "_"): v for f, v in columns.items()}, schema={f.replace("/", "_"): pl.Utf8 for f in fields})
phase("parse entities XML")

FULL, HALF = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹｘ", "0123456789ABCDEFGHJKLMNPQRTUWXYX"
def clean(col):
    e = pl.col(col).fill_null("").str.replace_all(r"[\s\x{3000}\x{00A0}]", "")
    return e.str.replace_many(list(FULL), list(HALF)).str.to_uppercase()
ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
CC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
def id_valid(col):
    c = pl.col(col)
    total = sum(c.str.slice(k, 1).cast(pl.Int32, strict=False) * w for k, w in enumerate(ID_W))
    check = pl.lit("10X98765432").str.slice((total % 11).cast(pl.Int64), 1)
    return (c.str.contains(r"^[0-9]{17}[0-9X]$") & c.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False).is_not_null()
            & (check == c.str.slice(17, 1))).fill_null(False)
def cc_valid(col):
    c = pl.col(col)
    value = lambda k: pl.lit(CC).str.find(c.str.slice(k, 1), literal=True)
    total = sum(value(k) * w for k, w in enumerate(CC_W))
    check = pl.lit(CC).str.slice(((31 - total % 31) % 31).cast(pl.Int64), 1)
    return (c.str.contains(r"^[0-9A-HJ-NPQRTUWXY]{18}$") & (check == c.str.slice(17, 1))).fill_null(False)
def any_date(col):
    s = pl.col(col)
    return pl.coalesce(s.str.strptime(pl.Date, "%Y-%m-%d", strict=False), s.str.strptime(pl.Date, "%Y年%-m月%-d日", strict=False),
                       s.str.strptime(pl.Date, "%Y/%-m/%-d", strict=False), s.str.strptime(pl.Date, "%Y%m%d", strict=False))

persons = gongan.with_columns(clean("公民身份号码").alias("id")).with_columns(id_valid("id").alias("id_ok"))
insured = renshe.with_columns(clean("社会保障号码").alias("id")).with_columns(id_valid("id").alias("id_ok"))
firms = entities.with_columns(clean("统一社会信用代码").alias("code")).with_columns(cc_valid("code").alias("code_ok"))
licences = shenpi.with_columns(clean("统一社会信用代码").alias("code")).with_columns(cc_valid("code").alias("code_ok"))
pens = penalties.with_columns(clean("code").alias("code")).with_columns(cc_valid("code").alias("code_ok"))
dead = deaths.with_columns(clean("身份证号").alias("id"), any_date("死亡日期").alias("died"))
phase("standardize")

valid_p = persons.filter(pl.col("id_ok") & pl.col("姓名").is_not_null())
joined = insured.filter("id_ok").join(valid_p, on="id", suffix="_p")
registered = firms.select("code", "登记状态").unique("code")
counts = {
    "gongan rejected rows (row_rejected)": gongan_lines - persons.height,
    "gongan identity number invalid (conforms)": persons.filter(pl.col("公民身份号码").is_not_null() & ~pl.col("id_ok")).height,
    "gongan identity number untidy but valid (nonstandard_form)": persons.filter(pl.col("id_ok") & (pl.col("id") != pl.col("公民身份号码"))).height,
    "gongan name missing (required)": persons.filter(pl.col("姓名").is_null()).height,
    "gongan birth date differs from identity (birth_date_matches_identity)": persons.filter(
        pl.col("id_ok") & any_date("出生日期").is_not_null()
        & (any_date("出生日期") != pl.col("id").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False))).height,
    "entities credit code invalid (conforms)": firms.filter(pl.col("统一社会信用代码").is_not_null() & ~pl.col("code_ok")).height,
    "renshe differs from gongan (matches_authority: name, gender, birth date)": int(joined.select(
        (pl.col("姓名").ne_missing(pl.col("姓名_p")).cast(pl.Int32) + pl.col("性别").ne_missing(pl.col("性别_p")).cast(pl.Int32)
         + any_date("出生日期").ne_missing(any_date("出生日期_p")).cast(pl.Int32)).sum()).item()),
    "licence holder not registered (licence_holder_unregistered)": licences.filter("code_ok").join(registered, on="code", how="anti").height,
    "licence valid, holder deregistered or revoked (licence_holder_inactive)": licences.join(registered, on="code").filter(
        (pl.col("当前状态") == "有效") & pl.col("登记状态").is_in(["注销", "吊销"])).height,
    "penalty subject not registered (penalty_subject_unregistered)": pens.filter("code_ok").join(registered, on="code", how="anti").height,
    "benefits paid after death (benefit_after_death)": insured.join(dead, on="id").filter(
        (pl.col("参保状态") == "待遇享受")
        & ((pl.col("最近缴费或发放年月") + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False) > pl.col("died").dt.truncate("1mo"))).height,
    "legal representative dead (legal_rep_invalid_or_dead)": firms.with_columns(clean("法定代表人_证件号码").alias("id")).join(dead, on="id").height,
}
phase("checks")
for name, count in counts.items():
    print(json.dumps({"check": name, "count": count}, ensure_ascii=False))
for name, frame in [("persons", persons), ("insured", insured), ("entities", firms), ("licences", licences), ("penalties", pens),
                    ("deaths", dead)]:
    frame.write_parquet(os.path.join(out, name + ".parquet"))
phase("persist")
print(json.dumps({"job": "polars", "polars": pl.__version__, "seconds": phase.total(), "phases": phase.seconds}, ensure_ascii=False))
