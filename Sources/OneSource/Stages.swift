/// The stages of a pipeline, in data order: the one place that names them all. The runner finds them here by the name
/// a pipeline definition uses; it knows nothing else of any stage.
public enum Stages {
    public static let all: [any Stage] = [IngestStage(), VerifyStage(), LoadStage(), CompareStage(), AssociateStage(), RectifyStage(),
                                          ReportStage()]

    /// Every stage by its name.
    public static let byName: [String: any Stage] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// Other names people use for a stage: standardization and verification are one stage.
    public static let aliases = ["standardize": "verify"]
}
