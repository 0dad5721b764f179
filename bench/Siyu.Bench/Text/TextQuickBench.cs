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
    /// <summary>Pattern-position pairs the naive loop tries per run: its text shrinks as the pattern count grows.</summary>
    private const int NaiveBudget = 20_000_000;

    public static int Run()
    {
        Console.WriteLine($"Siyu text matching — one thread, {TextMatchBenchmarks.TextChars:N0} chars of generated Chinese chat, process CPU time, best of 5 rounds");
        Console.WriteLine();
        Console.WriteLine("| Matcher | Patterns | Matches | CPU ms/op | M chars/s (CPU) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        var built = new List<string>();
        foreach (var count in new[] { 1_000, 10_000, 50_000 })
        {
            var patterns = TextCorpus.Patterns(count);
            var text = TextCorpus.Chat(TextMatchBenchmarks.TextChars, patterns);
            var started = Stopwatch.GetTimestamp();
            var matcher = new TextMatcher(patterns);
            built.Add($"{count:N0} words: {matcher.AlphabetSize} classes, {matcher.StateCount:N0} states, {matcher.SlotCount:N0} slots, " +
                $"{matcher.MemoryBytes / 1024.0 / 1024.0:F1} MB, built in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
            var matches = new List<TextMatch>(1 << 18);
            Measure("TextMatcher FindAll", count, text.Length, () => { matches.Clear(); return matcher.FindAll(text, matches); });
            Measure("TextMatcher Count", count, text.Length, () => matcher.Count(text));
            Measure("TextMatcher ContainsAny (per line)", count, text.Length, ContainsAnyPerLine(matcher, text));
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
            var small = text[..(NaiveBudget / count)];
            Measure($"Naive loop ({small.Length:N0} chars)", count, small.Length, () =>
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
        Console.WriteLine();
        built.ForEach(line => Console.WriteLine("TextMatcher " + line));
        return 0;
    }

    /// <summary>ContainsAny over each line, as content review asks of each message: stops at the first hit.</summary>
    private static Func<int> ContainsAnyPerLine(TextMatcher matcher, string text)
    {
        var lines = new List<(int Start, int Length)>();
        for (int start = 0, end; start < text.Length; start = end + 1)
        {
            end = text.IndexOf('\n', start);
            end = end < 0 ? text.Length : end;
            lines.Add((start, end - start));
        }
        return () =>
        {
            var n = 0;
            foreach (var (start, length) in lines)
            {
                n += matcher.ContainsAny(text.AsSpan(start, length)) ? 1 : 0;
            }
            return n;
        };
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
        Console.WriteLine($"| {name} | {patterns:N0} | {result:N0} | {best:F2} | {(chars / best / 1e3 is var rate && rate < 1 ? rate.ToString("N3") : rate.ToString("N1"))} |");
    }
}
