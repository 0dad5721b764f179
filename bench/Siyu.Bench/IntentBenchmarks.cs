using BenchmarkDotNet.Attributes;
using Siyu.Core.Intents;

namespace Siyu.Bench;

/// <summary>What intent recognition adds to each customer message on the ingest path, and what training costs at start-up.</summary>
[MemoryDiagnoser]
public class IntentBenchmarks
{
    private static readonly string LongText = string.Concat(Enumerable.Repeat("我想问一下上次买的那个东西，", 36));
    private IntentClassifier _classifier = null!;

    [GlobalSetup]
    public void Setup() => _classifier = new IntentClassifier(IntentModel.Shipped);

    /// <summary>A keyword decides (the model still scores, for the answer's probabilities).</summary>
    [Benchmark]
    public IntentResult ClassifyKeyword() => _classifier.Classify("你好，这个套装多少钱？能便宜点吗");

    /// <summary>No keyword: the model decides.</summary>
    [Benchmark]
    public IntentResult ClassifyModel() => _classifier.Classify("明天能送到吗，我周末不在家");

    /// <summary>A 500-character message.</summary>
    [Benchmark]
    public IntentResult ClassifyLong() => _classifier.Classify(LongText);

    [Benchmark]
    public IntentModel Train() => IntentModel.Train(IntentDataset.Default);
}
