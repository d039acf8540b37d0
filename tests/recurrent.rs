//! Recurrent models through the experiment language: ‖∂L/∂h_t‖ per time step as
//! `grad_norm_time`, claims on it, and the two through-time figures.

mod common;

use common::TestBook;

const CHAPTER: &str = r#"# 循环网络

```experiment
id = "adding"
title = "加法问题：RNN 与 LSTM"
data = { name = "adding", length = 50, samples = 256 }
model = { kind = "rnn", hidden = 16 }
train = { optimizer = "adam", lr = 0.01, steps = 30, batch = 32, clip_norm = 1.0, record_every = 10 }
sweep = { "model.kind" = ["rnn", "lstm"] }
plot = ["grad_through_time", "grad_through_time_flow", "loss"]
expect = [
  "grad_norm_time[layer=1, step=0] / grad_norm_time[layer=last, step=0] < 1e-3  where run = 'rnn'",
  "grad_norm_time[run='lstm', layer=1, step=0] / grad_norm_time[run='lstm', layer=last, step=0] > 100 * grad_norm_time[layer=1, step=0] / grad_norm_time[layer=last, step=0]  where run = 'rnn'",
  "test_loss[step=last] < 1  where run = 'lstm'",
  "forget_gate_mean[step=0] > 0.6  where run = 'lstm'",
]
```
"#;

#[test]
fn lstm_keeps_gradients_alive_through_time_and_figures_draw() {
    let book = TestBook::new().chapter("rnn.md", CHAPTER);
    let report = book.build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.runs, report.claims, report.figures), (2, 4, 3));
    let csv = book.read("figures/rnn/adding.csv");
    assert!(
        csv.contains("\nrnn,1,0,50,grad_norm_time,"),
        "time step t in the layer column"
    );
    assert!(csv.contains(",spectral_radius,"));
    let figure = book.read("figures/rnn/adding-grad_through_time.svg");
    assert!(
        figure.contains("回溯的时间步"),
        "the x axis counts time steps back from the end"
    );
    assert!(figure.contains("‖∂L/∂h_t‖"));
}

#[test]
fn recurrent_keys_are_checked() {
    let bad = CHAPTER.replace(
        "model = { kind = \"rnn\", hidden = 16 }",
        "model = { kind = \"lstm\", hidden = 16, width = 8 }",
    );
    let book = TestBook::new().chapter("rnn.md", &bad);
    let shown = book.build().unwrap_err().to_string();
    assert!(
        shown.contains("model.width") && shown.contains("feed-forward"),
        "{shown}"
    );

    let bad = CHAPTER.replace("clip_norm = 1.0,", "clip_norm = 1.0, l2 = 1e-3,");
    let shown = TestBook::new()
        .chapter("rnn.md", &bad)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        shown.contains("train.l2") && shown.contains("not used by recurrent"),
        "{shown}"
    );

    let bad = CHAPTER.replace(
        "data = { name = \"adding\", length = 50, samples = 256 }",
        "data = { name = \"spirals\" }",
    );
    let shown = TestBook::new()
        .chapter("rnn.md", &bad)
        .build()
        .unwrap_err()
        .to_string();
    assert!(shown.contains("sequence tasks"), "{shown}");
}
