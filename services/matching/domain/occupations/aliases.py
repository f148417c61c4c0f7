"""English aliases of CSCO 2022 leaf occupations (the taxonomy itself is Chinese-only).

Keys are leaf codes; values are lowercase phrases, indexed as further short entries of their occupation.
"""

from __future__ import annotations

__all__ = ["ENGLISH_ALIASES"]

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
