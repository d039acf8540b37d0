//! The stages after training (claims, figures, chapters, pages) run on rayon's pool; what they
//! write, and the order of the errors they report, is the same for any number of threads.

mod common;

use common::{TestBook, snapshot};

fn block(id: &str, extra: &str) -> String {
    format!(
        "```experiment\nid = \"{id}\"\ntitle = \"{id}\"\ndata = {{ name = \"spirals\", samples = 64 }}\n\
         model = {{ depth = 2, width = 4, activation = \"tanh\" }}\n\
         train = {{ lr = 0.1, steps = 4, batch = 16, record_every = 2 }}\n{extra}```\n"
    )
}

/// Three chapters, several blocks each, figures referenced across chapters, so the numbering
/// (per chapter, across blocks) and the references depend on the order blocks are drawn in.
fn book(claim: &str) -> TestBook {
    let sweep =
        "sweep = { \"model.activation\" = [\"tanh\", \"relu\"], \"model.depth\" = [2, 3] }\n";
    let plots = "plot = [\"grad_norm_by_layer\", \"loss\"]\n";
    let mut chapters = Vec::new();
    for c in 0..3 {
        let mut text = format!(
            "# 第 {c} 章\n\n见 {{{{#ref c0.md#c0-b1}}}} 与 {{{{#ref c2.md#c2-b2:loss}}}}。\n\n"
        );
        for b in 0..3 {
            let extra = format!("{sweep}{plots}expect = [\"{claim}\"]\n");
            text.push_str(&block(&format!("c{c}-b{b}"), &extra));
            text.push('\n');
        }
        chapters.push((format!("c{c}.md"), text));
    }
    chapters.iter().fold(TestBook::new(), |book, (path, text)| {
        book.chapter(path, text)
    })
}

fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(work)
}

#[test]
fn one_thread_and_three_write_the_same_site() {
    let book = book("loss[step=0] > 0  where run = 'activation=tanh, depth=2'");
    let mut sites = Vec::new();
    for threads in [1, 3] {
        let dest = book.root().join(format!("site-{threads}"));
        in_pool(threads, || {
            // No cache: the second build would otherwise reuse the first's figures and pages.
            book.build_with(gradbook::build::BuildOptions {
                dest: Some(dest.clone()),
                no_cache: true,
                ..book.options()
            })
        })
        .unwrap();
        sites.push(snapshot(&dest));
    }
    assert_eq!(sites[0], sites[1]);
    let page = String::from_utf8_lossy(&sites[0][std::path::Path::new("c1.html")]).to_string();
    // Chapter 3's third block's `loss` figure is its sixth (two figures a block).
    assert!(
        page.contains("3.6"),
        "figure numbers run on across blocks: {page}"
    );
}

#[test]
fn errors_come_in_the_same_order_for_any_thread_count() {
    let book = book("loss[step=0] < 0  where run = 'activation=tanh, depth=2'");
    let messages: Vec<String> = [1, 3]
        .into_iter()
        .map(|threads| in_pool(threads, || book.build()).unwrap_err().to_string())
        .collect();
    assert_eq!(messages[0], messages[1]);
    let first = messages[0]
        .find("c0-b0")
        .expect("chapter 0's first block fails");
    let last = messages[0]
        .find("c2-b2")
        .expect("chapter 2's last block fails");
    assert!(first < last, "{}", messages[0]);
}
