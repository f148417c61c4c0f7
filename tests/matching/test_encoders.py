from __future__ import annotations

import zlib

import numpy as np
import pytest

from services.matching.domain.encoders import DenseEncoder, HybridEncoder, LexicalEncoder, latin_view


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_lexical_puts_chinese_job_titles_near_each_other() -> None:
    big_data_dev, big_data, nurse = LexicalEncoder(1024).encode(["大数据开发工程师", "大数据工程师", "护士"])
    assert _cos(big_data_dev, big_data) > 0.5
    assert _cos(big_data_dev, big_data) > _cos(big_data_dev, nurse) + 0.4


def test_lexical_features_cover_cjk_ngrams_and_latin_words() -> None:
    features = LexicalEncoder.features("大数据 Senior Python developer")
    assert {"c:大", "c:大数", "c:大数据", "w:python", "b:senior python", "b:python developer"} <= set(features)
    assert "c:大数据工" not in features  # no 4-grams


def test_lexical_is_normalized_stable_and_empty_safe() -> None:
    encoder = LexicalEncoder(256)
    rows = encoder.encode(["机器学习 Python", "机器学习 Python", "", "!!"])
    assert rows.dtype == np.float32 and rows.shape == (4, 256)
    assert np.linalg.norm(rows[0]) == pytest.approx(1.0, abs=1e-5)
    assert np.array_equal(rows[0], rows[1])
    assert not rows[2].any() and not rows[3].any()
    # crc32 buckets, not the salted hash(): the same bucket and sign in every process.
    h = zlib.crc32(b"w:python")
    row = encoder.encode(["python"])[0]
    assert np.flatnonzero(row).tolist() == [h % 256]
    assert row[h % 256] == (-1.0 if h >> 31 else 1.0)


def test_dense_encoder_is_normalized_float32(dense_encoder: DenseEncoder) -> None:
    rows = dense_encoder.encode(["python developer", "software engineer", "nurse"])
    assert rows.dtype == np.float32 and rows.shape == (3, dense_encoder.dim)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4)
    assert _cos(rows[0], rows[1]) > _cos(rows[0], rows[2])
    assert dense_encoder.encode([]).shape == (0, dense_encoder.dim)


def test_hybrid_inner_product_is_the_weighted_sum_of_cosines(dense_encoder: DenseEncoder) -> None:
    lexical = LexicalEncoder(512)
    texts = ["大数据开发工程师 Spark", "大数据工程师 Hadoop"]
    dense_rows, lexical_rows = dense_encoder.encode(texts), lexical.encode(texts)
    hybrid = HybridEncoder(dense=dense_encoder, lexical=lexical, dense_weight=0.3, lexical_weight=0.7)
    a, b = hybrid.encode(texts)
    assert hybrid.dim == dense_encoder.dim + 512
    expected = 0.3 * _cos(*dense_rows) + 0.7 * _cos(*lexical_rows)
    assert _cos(a, b) == pytest.approx(expected, abs=1e-5)


def test_a_zero_weight_drops_its_channel() -> None:
    lexical_only = HybridEncoder(dense=None, lexical=LexicalEncoder(128), dense_weight=0, lexical_weight=1)
    assert lexical_only.dim == 128
    assert lexical_only.encode(["机器学习"]).shape == (1, 128)
    with pytest.raises(ValueError):
        HybridEncoder(dense=None, lexical=LexicalEncoder(128), dense_weight=0.5, lexical_weight=0.5)
    with pytest.raises(ValueError):
        HybridEncoder(dense=None, lexical=LexicalEncoder(128), dense_weight=0, lexical_weight=0)


def test_dense_only_mode(dense_encoder: DenseEncoder) -> None:
    dense_only = HybridEncoder(dense=dense_encoder, lexical=LexicalEncoder(128), dense_weight=1,
                               lexical_weight=0)
    assert dense_only.dim == dense_encoder.dim
    assert np.allclose(dense_only.encode(["nurse"]), dense_encoder.encode(["nurse"]), atol=1e-6)


def test_the_latin_view_keeps_what_an_english_model_reads() -> None:
    text = "Go语言、软件测试、SQL\nSkills: Go, software testing, SQL\n2年全栈工程师经验，熟悉Go语言。"
    assert latin_view(text) == "Go SQL\nSkills: Go, software testing, SQL\n2 Go"
    assert latin_view("大数据开发工程师，3年") == "大数据开发工程师，3年"  # no English word: kept whole
    with pytest.raises(ValueError, match="text view"):
        DenseEncoder(text_view="ascii")  # type: ignore[arg-type]
