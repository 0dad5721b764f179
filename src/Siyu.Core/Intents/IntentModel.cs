using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Siyu.Core.Text;

namespace Siyu.Core.Intents;

/// <summary>How much the model believes one intent.</summary>
public readonly record struct IntentScore(string Intent, double Probability);

/// <summary>The model's answer: every intent's probability (highest first) and the character n-grams that pushed the top one up.</summary>
public sealed record IntentPrediction(IReadOnlyList<IntentScore> Scores, IReadOnlyList<string> Evidence)
{
    public IntentScore Top => Scores[0];
}

/// <summary>
/// A multiclass logistic-regression text classifier. Features are the character unigrams and bigrams of the normalised
/// text (Chinese has no spaces to split words on, and bigrams carry most of its meaning), binary and L2-normalised,
/// over the vocabulary seen in training. ML.NET's SDCA maximum-entropy trainer fits the weights; prediction is the
/// extracted linear model (softmax of W·x + b), which is thread-safe, allocation-light and explainable: the evidence of
/// a prediction is the n-grams with the largest weight for the winning intent.
/// </summary>
public sealed class IntentModel
{
    private static readonly Lazy<IntentModel> ShippedModel = new(() => Train(IntentDataset.Default));
    private readonly Dictionary<string, int> _vocabulary;
    private readonly string[] _features;
    private readonly string[] _labels;
    private readonly float[][] _weights; // [label][feature]
    private readonly float[] _biases;
    private readonly MLContext _ml;
    private readonly ITransformer _transformer;

    private IntentModel(Dictionary<string, int> vocabulary, string[] labels, float[][] weights, float[] biases, MLContext ml, ITransformer transformer, int examples)
    {
        _vocabulary = vocabulary;
        _features = new string[vocabulary.Count];
        foreach (var (gram, index) in vocabulary)
        {
            _features[index] = gram;
        }
        _labels = labels;
        _weights = weights;
        _biases = biases;
        _ml = ml;
        _transformer = transformer;
        ExampleCount = examples;
    }

    /// <summary>The model trained on the shipped dataset (once per process, deterministic).</summary>
    public static IntentModel Shipped => ShippedModel.Value;

    public IReadOnlyList<string> Labels => _labels;

    public int FeatureCount => _features.Length;

    public int ExampleCount { get; }

    public static IntentModel Train(IReadOnlyList<IntentExample> examples, int seed = 1)
    {
        if (examples.Select(e => e.Intent).Distinct(StringComparer.Ordinal).Count() < 2)
        {
            throw new ArgumentException("Training needs examples of at least two intents.", nameof(examples));
        }
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var example in examples)
        {
            foreach (var gram in Grams(Normalise(example.Text)))
            {
                vocabulary.TryAdd(gram, vocabulary.Count);
            }
        }
        var rows = examples.Select(e => new Row { Label = e.Intent, Features = Vector(vocabulary, e.Text) }).ToList();
        var ml = new MLContext(seed);
        var data = ml.Data.LoadFromEnumerable(rows, Schema(vocabulary.Count));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(Row.Label))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "LabelKey",
                FeatureColumnName = nameof(Row.Features),
                // One thread: the same data gives the same model on every machine.
                NumberOfThreads = 1,
                MaximumNumberOfIterations = 200,
                // Chosen by 5-fold cross-validation on the shipped set (sparse L1 and heavier L2 both cost accuracy there).
                L2Regularization = 1e-4f,
                L1Regularization = 0,
            }));
        var model = pipeline.Fit(data);
        var parameters = model.LastTransformer.Model;
        VBuffer<float>[] weightRows = [];
        parameters.GetWeights(ref weightRows, out var classes);
        var biases = parameters.GetBiases().ToArray();
        VBuffer<ReadOnlyMemory<char>> keys = default;
        model.Transform(data).Schema["LabelKey"].GetKeyValues(ref keys);
        var labels = keys.DenseValues().Select(k => k.ToString()).ToArray();
        if (labels.Length != classes || biases.Length != classes)
        {
            throw new InvalidOperationException($"The trainer returned {classes} classes for {labels.Length} labels.");
        }
        var weights = weightRows.Select(w => w.DenseValues().ToArray()).ToArray();
        return new IntentModel(vocabulary, labels, weights, biases, ml, model, examples.Count);
    }

    public IntentPrediction Predict(string text)
    {
        var present = PresentFeatures(text);
        var scale = present.Count == 0 ? 0f : 1f / MathF.Sqrt(present.Count);
        var logits = new double[_labels.Length];
        for (var c = 0; c < _labels.Length; c++)
        {
            double sum = _biases[c];
            foreach (var f in present)
            {
                sum += _weights[c][f] * scale;
            }
            logits[c] = sum;
        }
        var max = logits.Max();
        var total = 0.0;
        for (var c = 0; c < logits.Length; c++)
        {
            logits[c] = Math.Exp(logits[c] - max);
            total += logits[c];
        }
        var scores = Enumerable.Range(0, _labels.Length).Select(c => new IntentScore(_labels[c], logits[c] / total))
            .OrderByDescending(s => s.Probability).ThenBy(s => s.Intent, StringComparer.Ordinal).ToList();
        var top = Array.IndexOf(_labels, scores[0].Intent);
        var evidence = present.Where(f => _weights[top][f] > 0).OrderByDescending(f => _weights[top][f]).Take(3).Select(f => _features[f]).ToList();
        return new IntentPrediction(scores, evidence);
    }

    /// <summary>The same prediction through ML.NET's own scoring, for tests that check the extracted model against it.</summary>
    internal IReadOnlyDictionary<string, double> PredictWithMlNet(string text)
    {
        var data = _ml.Data.LoadFromEnumerable([new Row { Label = _labels[0], Features = Vector(_vocabulary, text) }], Schema(_vocabulary.Count));
        var scored = _transformer.Transform(data);
        var score = scored.GetColumn<float[]>("Score").Single();
        return Enumerable.Range(0, _labels.Length).ToDictionary(c => _labels[c], c => (double)score[c], StringComparer.Ordinal);
    }

    /// <summary>
    /// Stratified k-fold cross-validation of training on <paramref name="examples"/>: each example is predicted by a model
    /// that never saw it. Deterministic for a seed.
    /// </summary>
    public static IntentEvaluation CrossValidate(IReadOnlyList<IntentExample> examples, int folds = 5, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var random = new Random(seed);
        var fold = new int[examples.Count];
        foreach (var group in Enumerable.Range(0, examples.Count).GroupBy(i => examples[i].Intent, StringComparer.Ordinal))
        {
            var members = group.ToArray();
            random.Shuffle(members);
            for (var k = 0; k < members.Length; k++)
            {
                fold[members[k]] = k % folds;
            }
        }
        var predicted = new string[examples.Count];
        for (var k = 0; k < folds; k++)
        {
            var model = Train([.. Enumerable.Range(0, examples.Count).Where(i => fold[i] != k).Select(i => examples[i])], seed);
            foreach (var i in Enumerable.Range(0, examples.Count).Where(i => fold[i] == k))
            {
                predicted[i] = model.Predict(examples[i].Text).Top.Intent;
            }
        }
        return IntentEvaluation.From(examples, predicted, folds);
    }

    /// <summary>The form the model reads: width, case and script folded, separators dropped (as keyword matching does).</summary>
    public static string Normalise(string text) => TextNormalization.Default.Apply(text);

    /// <summary>Distinct character unigrams and bigrams of normalised text.</summary>
    public static IEnumerable<string> Grams(string normalised)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < normalised.Length; i++)
        {
            if (seen.Add(normalised.Substring(i, 1)))
            {
                yield return normalised.Substring(i, 1);
            }
            if (i + 1 < normalised.Length && seen.Add(normalised.Substring(i, 2)))
            {
                yield return normalised.Substring(i, 2);
            }
        }
    }

    private List<int> PresentFeatures(string text)
    {
        var present = new List<int>();
        foreach (var gram in Grams(Normalise(text)))
        {
            if (_vocabulary.TryGetValue(gram, out var f))
            {
                present.Add(f);
            }
        }
        return present;
    }

    private static float[] Vector(Dictionary<string, int> vocabulary, string text)
    {
        var vector = new float[vocabulary.Count];
        var present = 0;
        foreach (var gram in Grams(Normalise(text)))
        {
            if (vocabulary.TryGetValue(gram, out var f))
            {
                vector[f] = 1;
                present++;
            }
        }
        if (present > 0)
        {
            var scale = 1f / MathF.Sqrt(present);
            for (var f = 0; f < vector.Length; f++)
            {
                vector[f] *= scale;
            }
        }
        return vector;
    }

    private static SchemaDefinition Schema(int features)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return schema;
    }

    private sealed class Row
    {
        public string Label { get; set; } = "";

        public float[] Features { get; set; } = [];
    }
}

/// <summary>How one intent fared in an evaluation.</summary>
public sealed record IntentQuality(string Intent, int Examples, double Precision, double Recall);

/// <summary>Cross-validated quality of the model: overall accuracy, per-intent precision and recall.</summary>
public sealed record IntentEvaluation(int Examples, int Folds, double Accuracy, [property: JsonPropertyName("per_intent")] IReadOnlyList<IntentQuality> PerIntent)
{
    public static IntentEvaluation From(IReadOnlyList<IntentExample> examples, IReadOnlyList<string> predicted, int folds)
    {
        var correct = Enumerable.Range(0, examples.Count).Count(i => examples[i].Intent == predicted[i]);
        var perIntent = examples.Select(e => e.Intent).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(intent =>
        {
            var truePositive = Enumerable.Range(0, examples.Count).Count(i => examples[i].Intent == intent && predicted[i] == intent);
            var actual = examples.Count(e => e.Intent == intent);
            var said = predicted.Count(p => p == intent);
            return new IntentQuality(intent, actual, said == 0 ? 0 : (double)truePositive / said, actual == 0 ? 0 : (double)truePositive / actual);
        }).ToList();
        return new IntentEvaluation(examples.Count, folds, examples.Count == 0 ? 0 : (double)correct / examples.Count, perIntent);
    }
}
