//! Training progress on stderr: an indicatif bar (runs done/total, the current experiment,
//! ETA) on a terminal; one line per finished experiment otherwise (CI logs); nothing with -q.
//! The words are the book language's (`[progress]` in src/locale).

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use gradbook::experiment::run::Progress;
use gradbook::locale::{ProgressWords, fill};

use super::output::errln;

pub struct Reporter {
    shown: Shown,
    words: &'static ProgressWords,
}

enum Shown {
    Bar(ProgressBar, Mutex<Vec<(String, usize)>>),
    Lines(Mutex<Vec<(String, usize)>>),
    Quiet,
}

impl Reporter {
    pub fn new(quiet: bool, words: &'static ProgressWords) -> Self {
        let shown = if quiet {
            Shown::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(&format!("{{bar:30}} {}", words.bar))
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            Shown::Bar(bar, Mutex::new(Vec::new()))
        } else {
            Shown::Lines(Mutex::new(Vec::new()))
        };
        Reporter { shown, words }
    }

    pub fn finish(&self) {
        if let Shown::Bar(bar, _) = &self.shown {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Reporter {
    fn begin(&self, experiments: &[(String, usize)]) {
        let total: usize = experiments.iter().map(|(_, runs)| runs).sum();
        match &self.shown {
            Shown::Bar(bar, left) => {
                bar.set_length(total as u64);
                *left.lock().expect("progress lock") = experiments.to_vec();
            }
            Shown::Lines(left) => *left.lock().expect("progress lock") = experiments.to_vec(),
            Shown::Quiet => {}
        }
    }

    fn run_finished(&self, experiment: usize, _run: &str, _cached: bool) {
        let count_down = |left: &Mutex<Vec<(String, usize)>>| {
            let mut left = left.lock().expect("progress lock");
            let (id, runs) = &mut left[experiment];
            *runs -= 1;
            (id.clone(), *runs == 0)
        };
        match &self.shown {
            Shown::Bar(bar, left) => {
                let (id, _) = count_down(left);
                bar.set_message(id);
                bar.inc(1);
            }
            Shown::Lines(left) => {
                if let (id, true) = count_down(left) {
                    errln!("{}", fill(&self.words.experiment_done, &[("id", &id)]));
                }
            }
            Shown::Quiet => {}
        }
    }

    fn waiting_for_lock(&self, lock: &std::path::Path) {
        let message = fill(&self.words.waiting_for_lock, &[("lock", &lock.display())]);
        match &self.shown {
            Shown::Bar(bar, _) => bar.println(message),
            Shown::Lines(_) => errln!("{message}"),
            Shown::Quiet => {}
        }
    }
}
