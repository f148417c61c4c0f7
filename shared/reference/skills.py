"""Canonical skill vocabulary for the digital fields, in Chinese and English, with aliases.

Used on both sides of a match to turn free text and skill lists into canonical skill ids,
so "机器学习" in a profile meets "machine learning" in a posting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Skill:
    id: str
    zh: str
    en: str
    field: str  # digital field (action-plan wording), e.g. "人工智能"
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.zh, self.en, *self.aliases)


def _s(id_: str, zh: str, en: str, field: str, *aliases: str) -> Skill:
    return Skill(id_, zh, en, field, aliases)


SKILLS: tuple[Skill, ...] = (
    # 人工智能
    _s("machine-learning", "机器学习", "machine learning", "人工智能", "ML", "sklearn", "scikit-learn"),
    _s("deep-learning", "深度学习", "deep learning", "人工智能", "神经网络", "neural network"),
    _s("pytorch", "PyTorch", "PyTorch", "人工智能", "torch"),
    _s("tensorflow", "TensorFlow", "TensorFlow", "人工智能"),
    _s("nlp", "自然语言处理", "natural language processing", "人工智能", "NLP", "文本挖掘"),
    _s("computer-vision", "计算机视觉", "computer vision", "人工智能", "CV", "图像识别", "image recognition",
       "机器视觉", "machine vision", "OpenCV"),
    _s("llm", "大模型", "large language models", "人工智能", "LLM", "大语言模型", "prompt engineering",
       "提示词工程", "RAG", "检索增强生成"),
    _s("recommender-systems", "推荐算法", "recommender systems", "人工智能", "推荐系统", "recommendation"),
    _s("data-annotation", "数据标注", "data annotation", "人工智能", "data labeling", "人工智能训练"),
    _s("reinforcement-learning", "强化学习", "reinforcement learning", "人工智能"),
    # 大数据
    _s("python", "Python", "Python", "大数据"),
    _s("sql", "SQL", "SQL", "大数据", "MySQL", "PostgreSQL", "数据库查询"),
    _s("spark", "Spark", "Apache Spark", "大数据", "PySpark"),
    _s("hadoop", "Hadoop", "Hadoop", "大数据", "HDFS", "Hive", "MapReduce"),
    _s("flink", "Flink", "Apache Flink", "大数据", "流计算", "stream processing", "实时计算"),
    _s("kafka", "Kafka", "Apache Kafka", "大数据", "消息队列", "message queue"),
    _s("data-warehouse", "数据仓库", "data warehousing", "大数据", "数仓", "ETL", "数据建模", "data modeling"),
    _s("data-governance", "数据治理", "data governance", "大数据", "主数据管理", "元数据管理", "数据质量"),
    _s("data-analysis", "数据分析", "data analysis", "大数据", "data analytics", "统计分析", "商业分析",
       "pandas"),
    _s("data-visualization", "数据可视化", "data visualization", "大数据", "Tableau", "Power BI", "BI报表"),
    _s("data-mining", "数据挖掘", "data mining", "大数据"),
    _s("web-crawling", "网络爬虫", "web crawling", "大数据", "爬虫", "scraping"),
    # 云计算
    _s("linux", "Linux", "Linux", "云计算", "Shell", "运维"),
    _s("docker", "Docker", "Docker", "云计算", "容器", "container"),
    _s("kubernetes", "Kubernetes", "Kubernetes", "云计算", "K8s", "容器编排"),
    _s("cloud-platforms", "云平台", "cloud platforms", "云计算", "阿里云", "华为云", "腾讯云", "AWS", "Azure",
       "云原生", "cloud native"),
    _s("devops", "DevOps", "DevOps", "云计算", "CI/CD", "持续集成", "Jenkins"),
    _s("virtualization", "虚拟化", "virtualization", "云计算", "OpenStack", "VMware"),
    _s("distributed-systems", "分布式系统", "distributed systems", "云计算", "微服务", "microservices"),
    # 软件开发
    _s("java", "Java", "Java", "软件开发", "Spring", "Spring Boot"),
    _s("go", "Go语言", "Go", "软件开发", "Golang"),
    _s("cpp", "C++", "C++", "软件开发"),
    _s("c-language", "C语言", "C programming", "软件开发"),
    _s("javascript", "JavaScript", "JavaScript", "软件开发", "TypeScript", "前端开发", "front-end", "Vue", "React"),
    _s("software-testing", "软件测试", "software testing", "软件开发", "自动化测试", "test automation"),
    # 物联网 / 工业互联网 / 智能制造
    _s("iot", "物联网", "Internet of Things", "物联网", "IoT", "传感器网络", "sensor networks"),
    _s("embedded", "嵌入式开发", "embedded systems", "物联网", "嵌入式", "单片机", "STM32", "RTOS", "ARM"),
    _s("edge-computing", "边缘计算", "edge computing", "工业互联网"),
    _s("industrial-internet", "工业互联网", "industrial internet", "工业互联网", "工业互联网平台", "IIoT",
       "标识解析"),
    _s("plc", "PLC编程", "PLC programming", "智能制造", "PLC", "西门子PLC", "工控"),
    _s("industrial-robots", "工业机器人", "industrial robots", "机器人", "机器人运维", "robot programming",
       "机器人编程", "ROS"),
    _s("mes", "MES系统", "manufacturing execution systems", "智能制造", "MES", "制造执行系统"),
    _s("digital-twin", "数字孪生", "digital twin", "智能制造"),
    _s("scada", "SCADA", "SCADA", "工业互联网", "组态软件", "DCS"),
    _s("additive-manufacturing", "增材制造", "additive manufacturing", "增材制造", "3D打印", "3D printing"),
    _s("cad", "CAD制图", "CAD", "智能制造", "AutoCAD", "SolidWorks", "三维建模"),
    # 集成电路
    _s("ic-design", "集成电路设计", "IC design", "集成电路", "芯片设计", "chip design", "数字IC", "模拟IC"),
    _s("verilog", "Verilog", "Verilog", "集成电路", "SystemVerilog", "VHDL", "RTL"),
    _s("fpga", "FPGA", "FPGA", "集成电路"),
    _s("ic-verification", "芯片验证", "IC verification", "集成电路", "UVM", "验证工程"),
    _s("semiconductor-process", "半导体工艺", "semiconductor process", "集成电路", "晶圆", "wafer fabrication",
       "封装测试", "packaging and testing"),
    # 数据安全 / 密码
    _s("network-security", "网络安全", "network security", "数据安全", "cybersecurity", "信息安全",
       "等级保护", "等保"),
    _s("penetration-testing", "渗透测试", "penetration testing", "数据安全", "漏洞挖掘", "安全测试"),
    _s("data-security", "数据安全", "data security", "数据安全", "数据脱敏", "隐私计算", "privacy computing"),
    _s("cryptography", "密码技术", "cryptography", "密码", "密码学", "国密", "SM2", "SM4", "PKI"),
    # 区块链 / 虚拟现实
    _s("blockchain", "区块链", "blockchain", "区块链", "智能合约", "smart contracts", "Solidity", "Hyperledger"),
    _s("vr-ar", "虚拟现实", "virtual reality", "虚拟现实", "VR", "AR", "增强现实", "augmented reality", "Unity",
       "Unreal"),
    # 数字化运营
    _s("ecommerce-operations", "电商运营", "e-commerce operations", "数字化运营", "电子商务", "直播电商",
       "livestream commerce", "跨境电商"),
    _s("digital-marketing", "数字营销", "digital marketing", "数字化运营", "互联网营销", "新媒体运营",
       "SEO", "SEM"),
    _s("network-engineering", "网络工程", "network engineering", "云计算", "路由交换", "CCNA", "HCIA", "HCIP",
       "5G"),
    _s("gis", "地理信息系统", "GIS", "大数据", "ArcGIS", "遥感", "remote sensing"),
    _s("bim", "BIM建模", "BIM", "智能制造", "建筑信息模型", "Revit"),
    # Fields that had one or two skills of their own (机器人, 虚拟现实, 区块链, 物联网, 数字化运营): their
    # skill gaps and occupation requirements had little to say (bench.eval_matching). Appended: ids stay stable.
    _s("robot-motion-control", "运动控制", "motion control", "机器人", "机器人运动控制", "伺服控制", "servo control",
       "运动规划", "motion planning"),
    _s("slam", "SLAM", "SLAM", "机器人", "即时定位与地图构建", "激光SLAM", "视觉SLAM", "路径规划", "path planning"),
    _s("computer-graphics", "计算机图形学", "computer graphics", "虚拟现实", "图形渲染", "三维渲染", "rendering",
       "OpenGL", "Shader"),
    _s("distributed-ledger", "联盟链", "consortium blockchain", "区块链", "分布式账本", "distributed ledger",
       "共识算法", "consensus algorithms"),
    _s("iot-protocols", "物联网通信协议", "IoT protocols", "物联网", "MQTT", "CoAP", "NB-IoT", "Zigbee"),
    _s("content-operations", "内容运营", "content operations", "数字化运营", "短视频运营", "社群运营", "私域运营"),
)


@cache
def skill_index() -> dict[str, Skill]:
    return {s.id: s for s in SKILLS}


@cache
def _alias_patterns() -> list[tuple[str, re.Pattern[str], Skill]]:
    """Longest aliases first, each with its lower-case form as a cheap pre-check; ASCII aliases must
    stand as whole words, Chinese ones as substrings."""
    pairs = sorted(((name, s) for s in SKILLS for name in s.names), key=lambda p: -len(p[0]))
    patterns = []
    for name, skill in pairs:
        escaped = re.escape(name)
        if name.isascii():
            # Short acronyms ("Go", "CV", "AR") only match in their own case, so "go" the verb does not.
            flags = 0 if len(name) <= 3 else re.IGNORECASE
            patterns.append((name.lower(), re.compile(rf"(?<![A-Za-z0-9+#]){escaped}(?![A-Za-z0-9+#])", flags),
                             skill))
        else:
            patterns.append((name.lower(), re.compile(escaped, re.IGNORECASE), skill))
    return patterns


def extract_skills(*texts: str | Iterable[str]) -> list[str]:
    """Canonical skill ids mentioned in the given texts or lists of texts, in order of appearance."""
    first_seen: dict[str, tuple[int, int]] = {}
    parts = [t for item in texts for t in ([item] if isinstance(item, str) else item)]
    for index, text in enumerate(parts):
        lowered = text.lower()
        for needle, pattern, skill in _alias_patterns():
            if needle not in lowered:  # a substring test is ~5x cheaper than the search it spares
                continue
            match = pattern.search(text)
            if match is not None:
                position = (index, match.start())
                if skill.id not in first_seen or position < first_seen[skill.id]:
                    first_seen[skill.id] = position
    return sorted(first_seen, key=first_seen.__getitem__)


def skill_label(skill_id: str, *, lang: str = "zh") -> str:
    skill = skill_index().get(skill_id)
    if skill is None:
        return skill_id
    return skill.zh if lang == "zh" else skill.en
