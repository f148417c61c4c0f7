"""English seeker profiles written by hand for ``bench.eval_real``'s cross-language set.

Each names the 拉勾 category (``cat_l2``, as merged by ``bench._real_data``) it obviously belongs to, a
headline, skills in English and a city that the postings hold. None is taken from the postings.
"""

from __future__ import annotations

from typing import NamedTuple


class EnglishSeeker(NamedTuple):
    category: str
    headline: str
    skills: tuple[str, ...]
    city: str


SEEKERS: tuple[EnglishSeeker, ...] = (
    # 数据分析: analysts, BI, business data
    EnglishSeeker("数据分析", "Data analyst, SQL and Tableau", ("SQL", "Tableau", "Excel"), "北京"),
    EnglishSeeker("数据分析", "Business data analyst for an e-commerce company", ("SQL", "Excel", "Python"), "上海"),
    EnglishSeeker("数据分析", "BI analyst building dashboards and reports", ("Power BI", "SQL", "data visualization"),
                  "深圳"),
    EnglishSeeker("数据分析", "Data analyst with Python and statistics", ("Python", "pandas", "statistics"), "北京"),
    EnglishSeeker("数据分析", "Junior data analyst, Excel and SPSS", ("Excel", "SPSS", "data analysis"), "广州"),
    EnglishSeeker("数据分析", "Senior data analyst for user growth and A/B testing",
                  ("SQL", "A/B testing", "data analysis"), "杭州"),
    EnglishSeeker("数据分析", "Financial data analyst, risk and reporting", ("SQL", "SAS", "Excel"), "上海"),
    EnglishSeeker("数据分析", "Data analysis intern, R and SQL", ("R", "SQL", "data analysis"), "北京"),
    EnglishSeeker("数据分析", "Product data analyst tracking user behaviour", ("SQL", "Python", "data mining"), "成都"),
    EnglishSeeker("数据分析", "Marketing data analyst", ("SQL", "Tableau", "market analysis"), "上海"),
    # 数据开发: data engineering, warehouses, mining
    EnglishSeeker("数据开发", "Big data engineer, Spark and Hive", ("Spark", "Hive", "Hadoop"), "北京"),
    EnglishSeeker("数据开发", "Data warehouse engineer, ETL and Hive", ("ETL", "Hive", "data warehouse"), "上海"),
    EnglishSeeker("数据开发", "Data mining engineer with machine learning", ("data mining", "machine learning",
                                                                         "Python"), "北京"),
    EnglishSeeker("数据开发", "Hadoop developer for a big data platform", ("Hadoop", "HBase", "Kafka"), "深圳"),
    EnglishSeeker("数据开发", "Real-time data engineer, Flink and Kafka", ("Flink", "Kafka", "Java"), "杭州"),
    EnglishSeeker("数据开发", "Data engineer building data pipelines in Python", ("Python", "SQL", "Airflow"), "广州"),
    EnglishSeeker("数据开发", "Web crawler developer collecting data", ("Python", "web scraping", "Scrapy"), "北京"),
    EnglishSeeker("数据开发", "Data modelling and algorithm engineer", ("modelling", "Python", "SQL"), "上海"),
    # 后端开发: back end
    EnglishSeeker("后端开发", "Python backend developer, Django and MySQL", ("Python", "Django", "MySQL"), "北京"),
    EnglishSeeker("后端开发", "Java backend engineer, Spring Boot and MySQL", ("Java", "Spring Boot", "MySQL"), "上海"),
    EnglishSeeker("后端开发", "Python web developer, Flask and Redis", ("Python", "Flask", "Redis"), "深圳"),
    EnglishSeeker("后端开发", "Senior Java developer for distributed systems", ("Java", "Spring Cloud", "Redis"),
                  "北京"),
    EnglishSeeker("后端开发", "C++ server developer", ("C++", "Linux", "network programming"), "广州"),
    EnglishSeeker("后端开发", "PHP backend developer", ("PHP", "MySQL", "Laravel"), "成都"),
    EnglishSeeker("后端开发", "Go backend engineer for microservices", ("Go", "microservices", "Docker"), "杭州"),
    EnglishSeeker("后端开发", "Python developer, Tornado and MongoDB", ("Python", "Tornado", "MongoDB"), "北京"),
    EnglishSeeker("后端开发", "Backend engineer for an online game server", ("C++", "Lua", "MySQL"), "上海"),
    EnglishSeeker("后端开发", "Full-stack Python engineer", ("Python", "JavaScript", "PostgreSQL"), "深圳"),
    # 软件开发
    EnglishSeeker("软件开发", "Software engineer, C# and .NET", ("C#", ".NET", "SQL Server"), "北京"),
    EnglishSeeker("软件开发", "Embedded software developer", ("C", "embedded systems", "Linux"), "深圳"),
    # 前端开发
    EnglishSeeker("前端开发", "Web front-end engineer, Vue", ("Vue", "JavaScript", "CSS"), "北京"),
    EnglishSeeker("前端开发", "Front-end developer, React and TypeScript", ("React", "TypeScript", "HTML5"), "上海"),
    EnglishSeeker("前端开发", "Mobile web developer, HTML5", ("HTML5", "JavaScript", "mobile web"), "杭州"),
    # 运营 and 市场|营销
    EnglishSeeker("运营", "Data operations specialist", ("data operations", "Excel", "SQL"), "北京"),
    EnglishSeeker("运营", "User operations manager for an app", ("user operations", "growth", "data analysis"),
                  "上海"),
    EnglishSeeker("运营", "E-commerce operations specialist", ("e-commerce", "operations", "Excel"), "广州"),
    EnglishSeeker("市场|营销", "Marketing analyst, market research and business data",
                  ("market research", "business analysis", "Excel"), "上海"),
    EnglishSeeker("市场|营销", "Digital marketing specialist", ("digital marketing", "SEO", "advertising"), "北京"),
    # 产品经理
    EnglishSeeker("产品经理", "Product manager for data products", ("product management", "requirements analysis",
                                                                 "Axure"), "北京"),
    EnglishSeeker("产品经理", "Strategy product manager", ("product strategy", "A/B testing", "data analysis"), "上海"),
    # 人工智能
    EnglishSeeker("人工智能", "Machine learning engineer", ("machine learning", "TensorFlow", "Python"), "北京"),
    EnglishSeeker("人工智能", "Computer vision algorithm engineer", ("computer vision", "deep learning", "PyTorch"),
                  "深圳"),
    # 风控 and 运维 and 测试
    EnglishSeeker("风控", "Risk control analyst for consumer lending", ("risk control", "SQL", "credit scoring"),
                  "上海"),
    EnglishSeeker("运维", "Operations and maintenance engineer, Linux", ("Linux", "shell", "DevOps"), "北京"),
    EnglishSeeker("测试", "Software test engineer, automated testing", ("software testing", "Selenium", "Python"),
                  "北京"),
)
