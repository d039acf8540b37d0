//! Every formula the source articles use must convert to MathML (the guide quotes them).

#[test]
fn every_seed_formula_converts_to_mathml() {
    let fixture = include_str!("fixtures/seed-formulas.tsv");
    let mut count = 0;
    for line in fixture
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (mode, latex) = line.split_once('\t').expect("mode<TAB>latex");
        let mathml = gradbook::markdown::latex_to_mathml(latex, mode == "display")
            .unwrap_or_else(|e| panic!("{latex}: {e}"));
        assert!(
            mathml.starts_with("<math") && mathml.ends_with("</math>"),
            "{latex} → {mathml}"
        );
        count += 1;
    }
    assert!(
        count >= 40,
        "the fixture should hold the seeds' formulas, found {count}"
    );
}
