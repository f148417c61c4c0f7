"""Deterministic generators of realistic profiles and opportunities, as API request bodies."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from shared.events.vocabulary import TRAINING_MODE_LABELS, Education, OpportunityKind, SkillLevel, TrainingMode
from shared.reference.cities import city_directory
from shared.reference.occupations import occupation_by_code
from shared.reference.skills import SKILLS, Skill
from talentmatch.demo import vocab

# Digital fields → CSCO 2022 occupations (digital "S" occupations) that recruit for them.
FIELD_OCCUPATIONS: dict[str, tuple[str, ...]] = {
    "人工智能": ("2-02-38-01", "4-04-05-05"),
    "大数据": ("2-02-38-03", "2-02-30-09", "4-07-02-05"),
    "云计算": ("2-02-38-04", "2-02-10-08"),
    "软件开发": ("2-02-10-03", "4-04-05-01", "4-04-05-02"),
    "物联网": ("2-02-38-02", "2-02-10-06"),
    "工业互联网": ("2-02-38-06",),
    "智能制造": ("2-02-38-05",),
    "机器人": ("2-02-38-10", "6-31-07-01"),
    "集成电路": ("2-02-38-09",),
    "数据安全": ("2-02-38-12", "2-02-10-07", "4-04-04-02"),
    "区块链": ("2-02-38-08",),
    "虚拟现实": ("2-02-38-07",),
    "数字化运营": ("4-01-06-01", "4-01-06-02", "4-13-01-05"),
}
FIELD_WEIGHTS = {"人工智能": 10, "大数据": 9, "云计算": 7, "软件开发": 9, "物联网": 4, "工业互联网": 4,
                 "智能制造": 4, "机器人": 3, "集成电路": 4, "数据安全": 4, "区块链": 1, "虚拟现实": 1,
                 "数字化运营": 3}
ENGLISH_TITLES = {"人工智能": "machine learning engineer", "大数据": "big data engineer",
                  "云计算": "cloud engineer", "软件开发": "software engineer", "物联网": "IoT engineer",
                  "工业互联网": "industrial internet engineer", "智能制造": "smart manufacturing engineer",
                  "机器人": "robotics engineer", "集成电路": "IC design engineer",
                  "数据安全": "security engineer", "区块链": "blockchain developer", "虚拟现实": "VR developer",
                  "数字化运营": "e-commerce operations specialist"}
# Skills every field draws on besides its own.
CROSS_FIELD = {"人工智能": ("python", "sql", "linux"), "大数据": ("python", "sql", "linux", "kafka"),
               "云计算": ("linux", "python", "network-engineering"), "软件开发": ("sql", "linux", "docker"),
               "物联网": ("c-language", "linux", "python"), "工业互联网": ("plc", "linux", "python", "iot"),
               "智能制造": ("cad", "python", "iot"), "机器人": ("cpp", "python", "computer-vision"),
               "集成电路": ("python", "linux", "c-language"), "数据安全": ("linux", "python", "cryptography"),
               "区块链": ("go", "cryptography", "javascript"), "虚拟现实": ("cpp", "javascript"),
               "数字化运营": ("data-analysis", "data-visualization")}
MODE_WEIGHTS = ((TrainingMode.ORDER_BASED, 5), (TrainingMode.CUSTOM, 3), (TrainingMode.DIRECTED, 2))


@cache
def skills_by_field() -> dict[str, list[Skill]]:
    grouped: dict[str, list[Skill]] = {}
    for skill in SKILLS:
        grouped.setdefault(skill.field, []).append(skill)
    return grouped


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _skill(skill_id: str) -> Skill:
    return next(s for s in SKILLS if s.id == skill_id)


@dataclass
class DemoGenerator:
    """All choices come from one seeded RNG, so a seed always yields the same data set."""

    seed: int = 2024
    today: date = field(default_factory=lambda: date(2026, 11, 24))

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._phone_serial = 0

    # -- shared pieces -------------------------------------------------------------------------
    def _field(self) -> str:
        return self.rng.choices(list(FIELD_WEIGHTS), weights=list(FIELD_WEIGHTS.values()))[0]

    def _city(self) -> str:
        names, weights = zip(*vocab.HUB_CITIES, strict=True)
        city = self.rng.choices(names, weights=weights)[0]
        return city_directory().resolve(city).name

    def _title(self, occupation_code: str) -> str:
        occupation = occupation_by_code()[occupation_code]
        titles = [a for a in occupation.aliases if 3 <= len(a) <= 14 and _has_cjk(a)] or [occupation.name]
        return self.rng.choice(titles)

    def _skills(self, field_name: str, *, own: tuple[int, int], cross: int) -> list[Skill]:
        pool = skills_by_field().get(field_name, [])
        chosen = self.rng.sample(pool, k=min(len(pool), self.rng.randint(*own)))
        extras = [_skill(s) for s in CROSS_FIELD.get(field_name, ())]
        chosen += self.rng.sample(extras, k=min(len(extras), cross))
        return list(dict.fromkeys(chosen))

    def _company(self, field_name: str, city: str) -> str:
        short = city.removesuffix("市")
        stem = self.rng.choice(vocab.COMPANY_STEMS)
        return f"{short}{stem}{vocab.COMPANY_SUFFIX_BY_FIELD.get(field_name, '数字科技有限公司')}"

    # -- profiles --------------------------------------------------------------------------------
    def profile(self) -> dict[str, Any]:
        field_name = self._field()
        occupation = self.rng.choice(FIELD_OCCUPATIONS[field_name])
        skills = self._skills(field_name, own=(2, 4), cross=self.rng.randint(1, 2))
        years = self.rng.choice((0, 1, 2, 3, 3, 4, 5, 6, 8, 10))
        level = SkillLevel.JUNIOR if years < 3 else SkillLevel.INTERMEDIATE if years < 7 else SkillLevel.SENIOR
        city = self._city()
        english = self.rng.random() < 0.25
        if english:
            name = f"{self.rng.choice(vocab.ENGLISH_GIVEN)} {self.rng.choice(vocab.ENGLISH_FAMILY)}"
            text = (f"{years} years as a {ENGLISH_TITLES[field_name]}. Experienced in "
                    f"{', '.join(s.en for s in skills)}; worked on {self.rng.choice(vocab.PROJECTS_EN)}.")
        else:
            name = self.rng.choice(vocab.SURNAMES) + "".join(self.rng.sample(vocab.GIVEN_CHARS, self.rng.randint(1, 2)))
            lead = f"{years}年{self._title(occupation)}经验" if years else f"应届毕业生，意向{self._title(occupation)}"
            text = (f"{lead}，熟悉{'、'.join(s.zh for s in skills)}，"
                    f"参与过{self.rng.choice(vocab.PROJECTS_ZH)}的设计与开发。")
        wanted = [OpportunityKind.JOB_POSTING]
        if years <= 2 or self.rng.random() < 0.3:
            wanted.append(OpportunityKind.TRAINING_CLASS)
        if self.rng.random() < 0.12:
            wanted.append(OpportunityKind.INCUBATOR_PROGRAM)
        if self.rng.random() < 0.1:
            wanted.append(OpportunityKind.INDUSTRIAL_PARK)
        desired = [city] + ([self._city()] if self.rng.random() < 0.4 else [])
        certificates = []
        if self.rng.random() < 0.45:
            certificates.append({"name": self.rng.choice(vocab.CERTIFICATES), "level": level.value})
        self._phone_serial += 1
        return {
            "display_name": name,
            "phone": f"1{self.rng.choice('3578')}{self.rng.randint(0, 9)}{self.rng.randint(10_000_000, 99_999_999)}",
            "email": f"talent{self.seed}{self._phone_serial:05d}@example.com",
            "city": city,
            "desired_cities": list(dict.fromkeys(desired)),
            "education": self.rng.choice(list(Education)[1:4]).value,
            "years_experience": years,
            "level": level.value,
            "skills": [s.en if english else s.zh for s in skills],
            "skills_text": text,
            "certificates": certificates,
            "wanted_kinds": [k.value for k in wanted],
            "open_to_work": True,
        }

    # -- opportunities ---------------------------------------------------------------------------
    def job_posting(self) -> dict[str, Any]:
        field_name = self._field()
        occupation = self.rng.choice(FIELD_OCCUPATIONS[field_name])
        city = self._city()
        skills = self._skills(field_name, own=(2, 4), cross=self.rng.randint(1, 2))
        level = self.rng.choice(list(SkillLevel))
        base = {SkillLevel.JUNIOR: 8_000, SkillLevel.INTERMEDIATE: 15_000, SkillLevel.SENIOR: 25_000}[level]
        low = base + self.rng.randint(0, 6) * 1_000
        title = self._title(occupation)
        return {
            "kind": OpportunityKind.JOB_POSTING.value,
            "title": title,
            "organization": self._company(field_name, city),
            "city": city,
            "description": f"岗位职责：负责{self.rng.choice(vocab.PROJECTS_ZH)}相关工作。任职要求：熟悉"
                           f"{'、'.join(s.zh for s in skills)}。",
            "skills": [s.zh for s in skills],
            "level": level.value,
            "salary_min": low,
            "salary_max": low + self.rng.randint(3, 12) * 1_000,
            "openings": self.rng.randint(1, 8),
            "occupation_code": occupation,
        }

    def training_class(self) -> dict[str, Any]:
        field_name = self._field()
        occupation = self.rng.choice(FIELD_OCCUPATIONS[field_name])
        city = self._city()
        mode = self.rng.choices([m for m, _ in MODE_WEIGHTS], weights=[w for _, w in MODE_WEIGHTS])[0]
        sponsor = self._company(field_name, city)
        seats = self.rng.choice((20, 30, 40, 50, 60))
        starts = self.today + timedelta(days=self.rng.randint(20, 120))
        skills = self._skills(field_name, own=(3, 5), cross=1)
        return {
            "kind": OpportunityKind.TRAINING_CLASS.value,
            "title": f"{sponsor.removesuffix('有限公司')}{field_name}{TRAINING_MODE_LABELS[mode]}",
            "organization": sponsor,
            "city": city,
            "description": f"面向{self._title(occupation)}岗位，课程覆盖{'、'.join(s.zh for s in skills)}，"
                           f"结业考核合格颁发职业技能等级证书。",
            "skills": [s.zh for s in skills],
            "level": SkillLevel.JUNIOR.value,
            "training_mode": mode.value,
            "sponsor": sponsor,
            "seats": seats,
            "starts_on": starts.isoformat(),
            "ends_on": (starts + timedelta(days=self.rng.choice((30, 60, 90)))).isoformat(),
            "target_occupations": [occupation],
            "hiring_commitment": mode is TrainingMode.ORDER_BASED,
            "committed_hires": int(seats * 0.8) if mode is TrainingMode.ORDER_BASED else 0,
            "closes_on": (starts - timedelta(days=7)).isoformat(),
        }

    def incubator_program(self) -> dict[str, Any]:
        field_name = self._field()
        city = self._city()
        skills = self._skills(field_name, own=(2, 3), cross=0)
        return {
            "kind": OpportunityKind.INCUBATOR_PROGRAM.value,
            "title": f"{city.removesuffix('市')}{field_name}创新创业孵化计划",
            "organization": f"{city.removesuffix('市')}数字经济创新孵化器",
            "city": city,
            "description": f"聚焦{field_name}方向的早期团队，"
                           f"提供{'、'.join(self.rng.sample(vocab.SUPPORT_OFFERED, 3))}。",
            "skills": [field_name] + [s.zh for s in skills],
            "support_offered": self.rng.sample(vocab.SUPPORT_OFFERED, 4),
            "application_deadline": (self.today + timedelta(days=self.rng.randint(30, 150))).isoformat(),
            "cohort_size": self.rng.choice((10, 15, 20, 30)),
        }

    def industrial_parks(self) -> list[dict[str, Any]]:
        parks = []
        for name, city, park_level in vocab.INDUSTRIAL_PARKS:
            fields = self.rng.sample(list(FIELD_OCCUPATIONS), 3)
            skills = [s.zh for f in fields for s in self.rng.sample(skills_by_field()[f], 1)]
            parks.append({
                "kind": OpportunityKind.INDUSTRIAL_PARK.value,
                "title": name,
                "organization": f"{name}管理委员会",
                "city": city,
                "description": f"重点发展{'、'.join(fields)}产业，汇聚数字企业，提供人才服务。",
                "skills": list(dict.fromkeys(fields + skills)),
                "talent_services": self.rng.sample(vocab.TALENT_SERVICES, 4),
                "park_level": park_level,
            })
        return parks

    def opportunities(self, count: int) -> list[dict[str, Any]]:
        """``count`` opportunities: the real parks, then postings, classes and incubators 6:3:1."""
        items = self.industrial_parks()[:count]
        makers = (self.job_posting,) * 6 + (self.training_class,) * 3 + (self.incubator_program,)
        while len(items) < count:
            items.append(self.rng.choice(makers)())
        return items

    def profiles(self, count: int) -> list[dict[str, Any]]:
        return [self.profile() for _ in range(count)]
