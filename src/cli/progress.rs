//! Training progress on stderr: an indicatif bar (runs done/total, the current experiment,
//! ETA) on a terminal; one line per finished experiment otherwise (CI logs); nothing with -q.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use gradbook::experiment::run::Progress;

use super::output::errln;

pub enum Reporter {
    Bar(ProgressBar, Mutex<Vec<(String, usize)>>),
    Lines(Mutex<Vec<(String, usize)>>),
    Quiet,
}

impl Reporter {
    pub fn new(quiet: bool) -> Self {
        if quiet {
            Reporter::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} runs · {msg} · {eta} left")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            Reporter::Bar(bar, Mutex::new(Vec::new()))
        } else {
            Reporter::Lines(Mutex::new(Vec::new()))
        }
    }

    pub fn finish(&self) {
        if let Reporter::Bar(bar, _) = self {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Reporter {
    fn begin(&self, experiments: &[(String, usize)]) {
        let total: usize = experiments.iter().map(|(_, runs)| runs).sum();
        match self {
            Reporter::Bar(bar, left) => {
                bar.set_length(total as u64);
                *left.lock().expect("progress lock") = experiments.to_vec();
            }
            Reporter::Lines(left) => *left.lock().expect("progress lock") = experiments.to_vec(),
            Reporter::Quiet => {}
        }
    }

    fn run_finished(&self, experiment: usize, _run: &str, _cached: bool) {
        let count_down = |left: &Mutex<Vec<(String, usize)>>| {
            let mut left = left.lock().expect("progress lock");
            let (id, runs) = &mut left[experiment];
            *runs -= 1;
            (id.clone(), *runs == 0)
        };
        match self {
            Reporter::Bar(bar, left) => {
                let (id, _) = count_down(left);
                bar.set_message(id);
                bar.inc(1);
            }
            Reporter::Lines(left) => {
                if let (id, true) = count_down(left) {
                    errln!("experiment `{id}` done");
                }
            }
            Reporter::Quiet => {}
        }
    }

    fn waiting_for_lock(&self, lock: &std::path::Path) {
        let message = format!(
            "waiting for another build of this book to finish (it holds {})…",
            lock.display()
        );
        match self {
            Reporter::Bar(bar, _) => bar.println(message),
            Reporter::Lines(_) => errln!("{message}"),
            Reporter::Quiet => {}
        }
    }
}
