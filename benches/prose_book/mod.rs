//! A generated prose book for the site-stage benchmarks: 200 chapters of mixed Chinese and
//! English prose with headings, lists, a table, highlighted code and a few formulas, no
//! experiments. The same chapters are written as a gradbook book (`content/`) and as an mdBook
//! (`book.toml` + `src/`), so the two tools build the same text.
//!
//! Deterministic: the same call writes the same bytes.

use std::fmt::Write as _;
use std::path::Path;

/// Parts of the book, and chapters per part (one part page and its sections).
const PARTS: usize = 20;
const CHAPTERS_PER_PART: usize = 10;

const WORDS_ZH: [&str; 24] = [
    "梯度",
    "反向传播",
    "激活函数",
    "权重",
    "初始化",
    "方差",
    "雅可比矩阵",
    "链式法则",
    "饱和",
    "归一化",
    "残差连接",
    "学习率",
    "优化器",
    "损失函数",
    "批量",
    "深度",
    "宽度",
    "层",
    "单元",
    "噪声",
    "收敛",
    "稳定性",
    "误差",
    "信号",
];
const WORDS_EN: [&str; 16] = [
    "gradient",
    "layer",
    "ReLU",
    "sigmoid",
    "tanh",
    "Adam",
    "batch norm",
    "residual",
    "variance",
    "Jacobian",
    "learning rate",
    "epoch",
    "weight decay",
    "LSTM",
    "dropout",
    "loss",
];

/// A small deterministic generator (xorshift), so the book needs no crate of its own.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    /// A sentence of Chinese with an English term or two.
    fn sentence(&mut self) -> String {
        let mut s = String::new();
        let length = 5 + self.next() % 6;
        for i in 0..length {
            if i % 3 == 2 {
                write!(s, " {} ", self.pick(&WORDS_EN)).unwrap();
            } else {
                s.push_str(self.pick(&WORDS_ZH));
                s.push_str(if self.next().is_multiple_of(3) {
                    "的"
                } else {
                    ""
                });
            }
        }
        s.push_str(if self.next().is_multiple_of(4) {
            "？"
        } else {
            "。"
        });
        s
    }

    fn paragraph(&mut self) -> String {
        (0..4 + self.next() % 4).map(|_| self.sentence()).collect()
    }
}

/// One chapter's Markdown.
fn chapter(title: &str, index: usize) -> String {
    let mut words = Words(0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1));
    let mut md = format!("# {title}\n\n{}\n\n", words.paragraph());
    for section in 1..=4 {
        writeln!(md, "## 第 {section} 节：{}\n", words.pick(&WORDS_ZH)).unwrap();
        writeln!(md, "{}\n\n{}\n", words.paragraph(), words.paragraph()).unwrap();
        match section {
            1 => {
                for _ in 0..4 {
                    writeln!(md, "- **{}**：{}", words.pick(&WORDS_EN), words.sentence()).unwrap();
                }
                md.push('\n');
            }
            2 => {
                writeln!(
                    md,
                    "每层把信号乘以 $\\sigma_w^2 \\mathbb{{E}}[\\phi'(h)^2]$，于是\n\n$$\n\\frac{{\\partial L}}{{\\partial x_0}} = \\prod_{{l=1}}^{{{index}}} W_l^\\top D_l \\, \\frac{{\\partial L}}{{\\partial x_L}}\n$$\n"
                )
                .unwrap();
            }
            3 => {
                writeln!(
                    md,
                    "```rust\n/// Chapter {index}: the norm of a gradient.\nfn grad_norm(g: &[f32]) -> f32 {{\n    g.iter().map(|x| x * x).sum::<f32>().sqrt()\n}}\n\nfn main() {{\n    let g = vec![0.5_f32; {index}];\n    println!(\"{{}}\", grad_norm(&g));\n}}\n```\n"
                )
                .unwrap();
            }
            _ => {
                md.push_str("| 层 | 梯度范数 | 说明 |\n|---|---|---|\n");
                for layer in 1..=5 {
                    writeln!(
                        md,
                        "| {layer} | {:.3e} | {} |",
                        0.5f64.powi(layer * 3),
                        words.pick(&WORDS_ZH)
                    )
                    .unwrap();
                }
                md.push('\n');
            }
        }
    }
    md
}

/// The chapters: (path, title, nesting level 0 or 1), in reading order.
fn chapters() -> Vec<(String, String, usize)> {
    let mut list = Vec::new();
    for part in 1..=PARTS {
        list.push((
            format!("part-{part:02}/index.md"),
            format!("梯度的故事（{part}）"),
            0,
        ));
        for section in 1..CHAPTERS_PER_PART {
            list.push((
                format!("part-{part:02}/section-{section:02}.md"),
                format!(
                    "{part}.{section} 关于{}",
                    WORDS_ZH[(part * 7 + section) % WORDS_ZH.len()]
                ),
                1,
            ));
        }
    }
    list
}

fn summary(chapters: &[(String, String, usize)]) -> String {
    let mut md = String::from("# Summary\n\n");
    for (path, title, level) in chapters {
        writeln!(md, "{}- [{title}]({path})", "    ".repeat(*level)).unwrap();
    }
    md
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Write the book under `dir`: `dir/gradbook/content/…` and `dir/mdbook/{book.toml,src/…}`.
pub fn write_book(dir: &Path) {
    let chapters = chapters();
    let summary = summary(&chapters);
    let title = "生成的散文书：两百章";
    write(
        &dir.join("gradbook/content/book.toml"),
        &format!("title = \"{title}\"\nlanguage = \"zh-CN\"\n"),
    );
    write(&dir.join("gradbook/content/SUMMARY.md"), &summary);
    write(
        &dir.join("mdbook/book.toml"),
        &format!("[book]\ntitle = \"{title}\"\nlanguage = \"zh-CN\"\nsrc = \"src\"\n"),
    );
    write(&dir.join("mdbook/src/SUMMARY.md"), &summary);
    for (index, (path, title, _)) in chapters.iter().enumerate() {
        let text = chapter(title, index);
        write(&dir.join("gradbook/content").join(path), &text);
        write(&dir.join("mdbook/src").join(path), &text);
    }
}
