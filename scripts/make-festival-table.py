#!/usr/bin/env python3
"""Builds Pipelines/calendar/festivals.tsv: per year the Gregorian dates of the statutory holidays that
move with the lunar calendar or the solar terms, for years whose State Council notice is not yet published.

- 除夕, 春节 (正月初一), 端午 (五月初五), 中秋 (八月十五): from the lunardate package (pinned below), whose
  tables follow the Hong Kong Observatory's Gregorian-lunar conversion tables (1900-2099).
- 清明: the solar term Qingming, by the usual 21st-century formula floor(Y*0.2422 + 4.81) - floor(Y/4)
  (Y = year - 2000), April of the year. The formula is checked here against the published dates 2019-2026.

usage: python3 scripts/make-festival-table.py [FIRST LAST]   (default 2025 2060)
"""
import datetime, glob, os, subprocess, sys, tempfile, zipfile

LUNARDATE = "lunardate==0.3.0"

def load_lunardate():
    tmp = tempfile.mkdtemp()
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", LUNARDATE, "-d", tmp], check=True)
    wheel = glob.glob(os.path.join(tmp, "lunardate-*.whl"))[0]
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp)
    sys.path.insert(0, tmp)
    import lunardate
    return lunardate.LunarDate

def qingming(year):
    y = year - 2000
    return datetime.date(year, 4, int(y * 0.2422 + 4.81) - y // 4)

# Published Qingming dates (State Council notices and the HKO almanac) the formula must reproduce.
for year, day in [(2019, 5), (2020, 4), (2021, 4), (2022, 5), (2023, 5), (2024, 4), (2025, 4), (2026, 5)]:
    assert qingming(year) == datetime.date(year, 4, day), year

LunarDate = load_lunardate()
first, last = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) == 3 else (2025, 2060)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Pipelines", "calendar", "festivals.tsv")
with open(out, "w", encoding="utf-8") as f:
    f.write("# Dates of the movable statutory holidays (全国年节及纪念日放假办法, 国务院令第795号), for provisional calendars.\n")
    f.write(f"# source: {LUNARDATE} (HKO conversion tables) for the lunar dates; Qingming by floor(Y*0.2422+4.81)-floor(Y/4).\n")
    f.write("# built by scripts/make-festival-table.py; an official YYYY.json always wins over these.\n")
    f.write("year\tchuxi\tchunjie\tqingming\tduanwu\tzhongqiu\n")
    for year in range(first, last + 1):
        chunjie = LunarDate(year, 1, 1).toSolarDate()
        chuxi = chunjie - datetime.timedelta(days=1)
        duanwu = LunarDate(year, 5, 5).toSolarDate()
        zhongqiu = LunarDate(year, 8, 15).toSolarDate()
        f.write(f"{year}\t{chuxi}\t{chunjie}\t{qingming(year)}\t{duanwu}\t{zhongqiu}\n")
print(f"wrote {out}: {last - first + 1} years")
