using System.Buffers;
using System.Diagnostics;
using Siyu.Core.Text;

namespace Siyu.Bench.Text;

/// <summary>
/// The text suite's matchers timed by process CPU time rather than wall-clock: on a shared machine (other builds
/// running) wall-clock counts time the benchmark thread spent waiting for a core. Single-threaded throughout.
/// </summary>
internal static class TextQuickBench
{
    public static int Run()
    {
        Console.WriteLine("| Matcher | Patterns | Matches | CPU ms/op | M chars/s (CPU) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var count in new[] { 1_000, 10_000, 50_000 })
        {
            var patterns = TextCorpus.Patterns(count);
            var text = TextCorpus.Chat(TextMatchBenchmarks.TextChars, patterns);
            var matcher = new TextMatcher(patterns);
            var matches = new List<TextMatch>(1 << 16);
            Measure("TextMatcher FindAll", count, text.Length, () => { matches.Clear(); return matcher.FindAll(text, matches); });
            Measure("TextMatcher Count", count, text.Length, () => matcher.Count(text));
            var keywords = new KeywordMatcher(patterns, new TextNormalization(FoldTraditional: false));
            var keywordMatches = new List<KeywordMatch>(1 << 16);
            Measure("KeywordMatcher FindAll (old)", count, text.Length, () => { keywordMatches.Clear(); return keywords.FindAll(text, keywordMatches); });
            var values = SearchValues.Create(patterns.ToArray(), StringComparison.Ordinal);
            Measure("SearchValues<string> IndexOfAny", count, text.Length, () =>
            {
                var span = text.AsSpan();
                var n = 0;
                int at;
                while ((at = span.IndexOfAny(values)) >= 0)
                {
                    n++;
                    span = span[(at + 1)..];
                }
                return n;
            });
            if (count == 1_000)
            {
                var small = TextCorpus.Chat(NaiveMatchBenchmarks.TextChars, patterns);
                Measure("Naive loop (20K chars)", count, small.Length, () =>
                {
                    var n = 0;
                    var span = small.AsSpan();
                    for (var i = 0; i < span.Length; i++)
                    {
                        foreach (var p in patterns)
                        {
                            if (span[i..].StartsWith(p, StringComparison.Ordinal))
                            {
                                n++;
                            }
                        }
                    }
                    return n;
                });
            }
        }
        return 0;
    }

    private static void Measure(string name, int patterns, int chars, Func<int> op)
    {
        var result = op(); // warm-up (JIT, caches)
        var process = Process.GetCurrentProcess();
        var best = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var runs = 0;
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            while (wall.ElapsedMilliseconds < 300 || runs < 2)
            {
                op();
                runs++;
            }
            process.Refresh();
            best = Math.Min(best, (process.TotalProcessorTime - cpu).TotalMilliseconds / runs);
        }
        Console.WriteLine($"| {name} | {patterns:N0} | {result:N0} | {best:F2} | {chars / best / 1e3:N1} |");
    }
}
