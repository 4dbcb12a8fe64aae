"""The int8 runtime (ONNX Runtime) of the builtin model: same dev accuracy as the fp32
reference on held-out rows, a reviewable mixed-precision graph, built once per trained part."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.sentiment.scorer import BuiltinScorer, SentimentModelError, load_scorer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scorers() -> dict[str, BuiltinScorer]:
    return {runtime: BuiltinScorer(batch_size=16, runtime=runtime) for runtime in ("onnx-int8", "torch")}


def test_int8_keeps_the_fp32_accuracy_on_held_out_rows(scorers):
    from nlp.sentiment.datasets import load_all, with_traditional_share
    from nlp.sentiment.evaluate import dev_sets, metric

    sets = dev_sets(with_traditional_share(load_all()), cap=250)
    for name in ("sst2", "waimai_10k_hant", "tweeteval_val"):
        rows = sets[name]
        labels = np.array([e.label for e in rows])
        scored = {r: s.score([e.text for e in rows]) for r, s in scorers.items()}
        accuracy = {
            r: metric(name, labels, np.array([[x.p_negative, x.p_neutral, x.p_positive] for x in res]))
            for r, res in scored.items()
        }
        agree = np.mean([a.label == b.label for a, b in zip(scored["onnx-int8"], scored["torch"], strict=True)])
        assert agree >= 0.95, (name, agree)
        assert accuracy["onnx-int8"] >= accuracy["torch"] - 0.02, (name, accuracy)


def test_the_graph_keeps_the_lower_feed_forward_outputs_fp32(scorers):
    import onnx

    from nlp.sentiment.int8_runtime import quantized_model

    scorer = scorers["onnx-int8"]
    path = quantized_model(scorer.model, scorer.weights_digest, with_embedding=False)
    graph = onnx.load(str(path)).graph
    nodes = graph.node
    # one unpadded window per call: the graph takes no mask, so none of its nodes work on one
    assert [i.name for i in graph.input] == ["words"]
    fp32 = sorted(n.name for n in nodes if n.op_type == "MatMul" and "/output/dense/" in n.name)
    layers = scorer.model.encoder.config.num_hidden_layers
    assert fp32 == [f"/encoder/encoder/layer.{i}/output/dense/MatMul" for i in range(layers // 2)]
    int8 = [n.name for n in nodes if n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul")]
    assert len(int8) == 6 * layers - len(fp32) and all("/encoder/layer." in name for name in int8)  # heads stay fp32


def test_the_int8_file_is_built_once_and_scores_say_int8(scorers):
    from nlp.sentiment.int8_runtime import quantized_model

    scorer = scorers["onnx-int8"]
    path = quantized_model(scorer.model, scorer.weights_digest, with_embedding=False)
    built = path.stat().st_mtime_ns
    again = load_scorer("builtin", batch_size=16)  # the default runtime
    assert again.model_version == scorers["torch"].model_version + "+int8"
    assert path.stat().st_mtime_ns == built
    with pytest.raises(SentimentModelError, match="unknown sentiment runtime"):
        BuiltinScorer(runtime="tensorrt")


def test_int8_embeddings_stay_in_the_complaint_models_space(scorers):
    texts = ["快递很慢，客服也不理人", "The app keeps crashing after the update", "魯莫外送太慢了。" * 150]
    fp32 = BuiltinScorer(batch_size=16, with_embeddings=True, runtime="torch").score(texts)
    int8 = BuiltinScorer(batch_size=16, with_embeddings=True, runtime="onnx-int8").score(texts)
    for a, b in zip(fp32, int8, strict=True):
        assert float(a.embedding @ b.embedding) > 0.99 and abs(np.linalg.norm(b.embedding) - 1) < 1e-6
    assert "windowed" in int8[2].flags


def test_a_posts_int8_score_does_not_depend_on_its_batch(scorers):
    """Activations are quantized per call: each window runs alone, so neighbours and padding
    cannot move a score (they moved 1.2% of labels when windows were batched)."""
    texts = ["快递很慢，客服也不理人", "The app keeps crashing after the update", "還可以吧，普普通通", "ok"]
    scorer = scorers["onnx-int8"]
    together = scorer.score([*texts, "这家店的东西又贵又难用，再也不来了。" * 30])
    alone = [scorer.score([t])[0] for t in texts]
    assert [r.as_dict() for r in together[:4]] == [r.as_dict() for r in alone]


@pytest.fixture
def int8_build_fails(monkeypatch):
    """The int8 file cannot be written, as with a read-only cache."""
    from nlp.sentiment import int8_runtime

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(int8_runtime, "quantized_model", read_only)


@pytest.mark.usefixtures("int8_build_fails")
def test_a_failed_int8_build_falls_back_to_fp32_and_says_so(caplog, scorers):
    """A read-only or full cache must not stop a daily run: fp32 scores, the log says why,
    and the stored version says fp32."""
    with caplog.at_level("WARNING"):
        scorer = BuiltinScorer(batch_size=16, runtime="onnx-int8")
    assert scorer.int8 is None and scorer.model_version == scorers["torch"].model_version
    assert "int8 runtime unavailable (OSError" in caplog.text and "scoring in torch fp32" in caplog.text
    texts = ["快递很慢，客服也不理人", "Great service, thank you so much!"]
    assert [r.as_dict() for r in scorer.score(texts)] == [r.as_dict() for r in scorers["torch"].score(texts)]


@pytest.mark.usefixtures("int8_build_fails")
def test_the_model_card_is_not_written_from_a_silent_fp32_fallback(tmp_path):
    from nlp.sentiment.evaluate import run_evaluation

    with pytest.raises(SentimentModelError, match="onnx-int8 runtime could not be built"):
        run_evaluation(tmp_path / "card.md", cap=5, log=lambda message: None)
    assert not (tmp_path / "card.md").exists()
