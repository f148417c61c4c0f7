"""Request bodies with realistic data: Hangzhou enterprises, order-based classes, incubators, parks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

TODAY = date.today()


def job_posting(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "job_posting",
        "title": "大数据开发工程师",
        "organization": "杭州数澜云智科技有限公司",
        "city": "杭州",
        "description": "负责城市数据中台的离线与实时数仓建设，熟悉 Flink、Spark。",
        "skills": ["Python", "Flink", "Spark", "数据治理"],
        "level": "intermediate",
        "salary_min": 15000,
        "salary_max": 25000,
        "openings": 3,
        "education_required": "bachelor",
        "occupation_code": "2-02-38-03",
        **overrides,
    }


def training_class(**overrides: Any) -> dict[str, Any]:
    starts = TODAY + timedelta(days=40)
    return {
        "kind": "training_class",
        "title": "工业互联网平台运维订单班",
        "organization": "浙江机电职业技术大学",
        "city": "杭州市",
        "description": "面向工业互联网工程技术人员岗位，结业考核合格由合作企业直接录用。",
        "skills": ["工业互联网", "Linux", "边缘计算", "PLC"],
        "level": "junior",
        "closes_on": (starts - timedelta(days=7)).isoformat(),
        "training_mode": "order_based",
        "sponsor": "杭州海康智造科技有限公司",
        "seats": 40,
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=90)).isoformat(),
        "target_occupations": ["2-02-38-06"],
        "hiring_commitment": True,
        "committed_hires": 32,
        **overrides,
    }


def incubator_program(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "incubator_program",
        "title": "杭州人工智能创新创业孵化计划",
        "organization": "杭州未来科技城数字经济孵化器",
        "city": "杭州市",
        "description": "聚焦大模型应用与具身智能方向的早期团队。",
        "skills": ["人工智能", "大模型", "机器人"],
        "support_offered": ["免租办公场地", "创业导师辅导", "种子基金", "算力券"],
        "application_deadline": (TODAY + timedelta(days=60)).isoformat(),
        "cohort_size": 15,
        **overrides,
    }


def industrial_park(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "industrial_park",
        "title": "杭州未来科技城",
        "organization": "杭州未来科技城管理委员会",
        "city": "杭州市余杭区",
        "description": "重点发展人工智能、数字经济与生物医药产业。",
        "skills": ["人工智能", "云计算", "集成电路"],
        "talent_services": ["人才公寓", "落户服务", "专场招聘会"],
        "park_level": "省级",
        "district": "余杭区",
        **overrides,
    }


FACTORIES = {
    "job_posting": job_posting,
    "training_class": training_class,
    "incubator_program": incubator_program,
    "industrial_park": industrial_park,
}

# One valid change per kind: a kind-specific field and a common one.
UPDATES: dict[str, dict[str, Any]] = {
    "job_posting": {"salary_max": 28000, "openings": 5},
    "training_class": {"seats": 50, "committed_hires": 45},
    "incubator_program": {"cohort_size": 20, "support_offered": ["种子基金", "投融资对接"]},
    "industrial_park": {"talent_services": ["人才公寓", "技能培训补贴"], "park_level": "国家级"},
}


def training_need(**overrides: Any) -> dict[str, Any]:
    return {
        "enterprise": "杭州智算人工智能科技有限公司",
        "skills": ["大模型", "Python", "自然语言处理", "Docker"],
        "headcount": 30,
        "city": "杭州",
        "deadline": (TODAY + timedelta(days=45)).isoformat(),
        "description": "为企业大模型应用落地定制培养提示词工程、RAG 检索增强与模型部署人才。",
        "target_occupations": ["2-02-38-01", "4-04-05-05"],
        **overrides,
    }
