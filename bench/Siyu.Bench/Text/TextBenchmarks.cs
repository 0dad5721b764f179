using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Siyu.Core.Text;

namespace Siyu.Bench.Text;

/// <summary>
/// Multi-pattern matching throughput over Chinese chat text with 1,000 / 10,000 / 50,000 words: Siyu's
/// <see cref="TextMatcher"/> (all matches, and count only) against .NET's <see cref="SearchValues{T}"/> of strings
/// (ordinal, an IndexOfAny loop) and the previous content-review automaton. The matchers normalise (width, case,
/// separators; TextMatcher also traditional→simplified) while SearchValues compares raw text, so SearchValues does
/// less work and finds fewer matches — it is the platform's speed reference, not an equivalent.
/// </summary>
[Config(typeof(CharsPerSecondConfig))]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class TextMatchBenchmarks
{
    public const int TextChars = 2_000_000;

    private string _text = null!;
    private TextMatcher _matcher = null!;
    private KeywordMatcher _keywords = null!;
    private SearchValues<string> _searchValues = null!;
    private readonly List<TextMatch> _matches = new(1 << 16);
    private readonly List<KeywordMatch> _keywordMatches = new(1 << 16);

    [Params(1_000, 10_000, 50_000)]
    public int Patterns { get; set; }

    private List<string> Setup()
    {
        var patterns = TextCorpus.Patterns(Patterns);
        _text = TextCorpus.Chat(TextChars, patterns);
        return patterns;
    }

    [GlobalSetup(Targets = [nameof(TextMatcherFindAll), nameof(TextMatcherCount)])]
    public void SetupTextMatcher()
    {
        var patterns = Setup();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        _matcher = new TextMatcher(patterns);
        Console.WriteLine($"// TextMatcher: {Patterns} patterns, {_matcher.AlphabetSize} classes, {_matcher.StateCount} states, " +
            $"{_matcher.SlotCount} slots, built in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms; " +
            $"{_matcher.Count(_text)} matches in {_text.Length} chars");
    }

    [GlobalSetup(Target = nameof(KeywordMatcherFindAll))]
    public void SetupKeywordMatcher() => _keywords = new KeywordMatcher(Setup(), new TextNormalization(FoldTraditional: false));

    [GlobalSetup(Target = nameof(SearchValuesIndexOfAny))]
    public void SetupSearchValues() => _searchValues = SearchValues.Create(Setup().ToArray(), StringComparison.Ordinal);

    [Benchmark(Baseline = true)]
    public int TextMatcherFindAll()
    {
        _matches.Clear();
        return _matcher.FindAll(_text, _matches);
    }

    [Benchmark]
    public int TextMatcherCount() => _matcher.Count(_text);

    [Benchmark]
    public int KeywordMatcherFindAll()
    {
        _keywordMatches.Clear();
        return _keywords.FindAll(_text, _keywordMatches);
    }

    /// <summary>Positions where some pattern starts (one per position, not every overlapping pattern).</summary>
    [Benchmark]
    public int SearchValuesIndexOfAny()
    {
        var span = _text.AsSpan();
        var count = 0;
        int at;
        while ((at = span.IndexOfAny(_searchValues)) >= 0)
        {
            count++;
            span = span[(at + 1)..];
        }
        return count;
    }
}

/// <summary>The naive loop (every pattern at every position) is far slower: 1,000 patterns over 20,000 characters only, with TextMatcher on the same input for scale.</summary>
[Config(typeof(CharsPerSecondConfig))]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class NaiveMatchBenchmarks
{
    public const int TextChars = 20_000;

    private string _text = null!;
    private string[] _patterns = null!;
    private TextMatcher _matcher = null!;

    [GlobalSetup]
    public void Setup()
    {
        _patterns = [.. TextCorpus.Patterns(1_000)];
        _text = TextCorpus.Chat(TextChars, _patterns);
        _matcher = new TextMatcher(_patterns, TextNormalization.None);
    }

    [Benchmark(Baseline = true)]
    public int NaiveLoop1000()
    {
        var text = _text.AsSpan();
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var rest = text[i..];
            foreach (var p in _patterns)
            {
                if (rest.StartsWith(p, StringComparison.Ordinal))
                {
                    count++;
                }
            }
        }
        return count;
    }

    [Benchmark]
    public int TextMatcherCount1000Exact() => _matcher.Count(_text);
}

/// <summary>Adds throughput in millions of text characters per second (text length over the mean).</summary>
public sealed class CharsPerSecondConfig : ManualConfig
{
    public CharsPerSecondConfig() => AddColumn(new CharsPerSecondColumn());

    private sealed class CharsPerSecondColumn : IColumn
    {
        public string Id => "MCharsPerSecond";
        public string ColumnName => "M chars/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Statistics;
        public int PriorityInCategory => 10;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Millions of text characters matched per second (one core)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats)
            {
                return "NA";
            }
            var chars = benchmarkCase.Descriptor.Type == typeof(NaiveMatchBenchmarks) ? NaiveMatchBenchmarks.TextChars : TextMatchBenchmarks.TextChars;
            return (chars / stats.Mean * 1e9 / 1e6).ToString("N1", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
