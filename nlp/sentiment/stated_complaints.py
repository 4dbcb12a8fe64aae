"""A post read neutral in which the word lists find a complaint reads negative.

Why: the builtin model's English neutral class was learnt from tweets, so a customer's
complaint told in a flat, factual tone reads neutral: on the demo, "Lumo charged me twice
for one order and the refund is still pending after a week." (p_negative 0.19) and "My Lumo
order never came, support is unreachable, and there are rumours of a data breach." (0.17).
The complaint-area word lists name those complaints (price and billing, refunds, delivery,
customer service, privacy), so the Pareto counted them while the negative share, the
negative-spike alert and authors' detraction did not: one post, two readings. The word
lists' evidence is explainable (the matched words), so it decides, and the flag
``complaint_words`` says why the reading moved.

* Only a neutral reading moves. A post read positive keeps it: praise with a mild complaint
  ("就是个头儿稍有不均") is praise, as the labelling rules say; a post read negative needs nothing.
* Only word-list complaints count, not the complaint-area model's (it speaks only where the
  lists found nothing, and its areas name no words) and not churn or refund cues ("Lumo
  refunded a missing drink within minutes" is thanks).
* Half the probability moves to negative: the least that makes negative the label whatever
  the reading was (p_negative becomes at least 0.5, the others at most 0.5); neutral and
  positive keep their ratio.

Measured (docs/decisions.md): on the dev sets it moves no review (they almost never read
neutral), 13 of 593 tweets (tweeteval macro-recall 0.622 -> 0.628) and 1 of 195 neutral news
sentences (one about rising prices). Its reach is the flat complaint the lists can name; 4
of 22 freshly written flat English complaints read neutral and the lists named none of them,
so those stay neutral: the real fix is the model (#2).
"""

from __future__ import annotations

from nlp.sentiment.scorer import SentimentResult

FLAG = "complaint_words"
WEIGHT = 0.5


def settle(result: SentimentResult, complaint_found: bool) -> SentimentResult:
    """The post's reading, negative where it read neutral but its words state a complaint."""
    if result.label != "neutral" or not complaint_found:
        return result
    return result.mixed_towards("negative", WEIGHT, FLAG)
