using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Siyu.Core.Delivery;
using Siyu.Core.Text;
using Xunit;

namespace Siyu.Core.Tests.Text;

public sealed class TextMatcherTests
{
    private static List<(string Word, int Start, int Length)> Find(string[] keywords, string text, TextNormalization? normalization = null)
    {
        var matcher = new TextMatcher(keywords, normalization);
        return matcher.FindAll(text)
            .Select(m => (keywords[m.Pattern], m.Start, m.Length))
            .OrderBy(m => m.Start).ThenBy(m => m.Length).ToList();
    }

    [Fact]
    public void Finds_overlapping_matches_of_the_classic_example()
    {
        var found = Find(["he", "she", "his", "hers"], "ushers", TextNormalization.None);
        Assert.Equal([("she", 1, 3), ("he", 2, 2), ("hers", 2, 4)], found);
    }

    [Fact]
    public void Finds_nested_and_overlapping_chinese_phrases()
    {
        //           0 1 2 3 4 5 6 7 8 9 10 11
        var text = "本产品保本保息，稳赚不赔";
        var found = Find(["保本", "保本保息", "稳赚不赔", "稳赚", "保息"], text);
        Assert.Equal([("保本", 3, 2), ("保本保息", 3, 4), ("保息", 5, 2), ("稳赚", 8, 2), ("稳赚不赔", 8, 4)], found);
    }

    [Theory]
    [InlineData("保 本", 3)]
    [InlineData("保-本", 3)]
    [InlineData("保\u200B本", 3)]     // zero-width space
    [InlineData("保\u200D\uFEFF本", 4)] // zero-width joiner and BOM
    [InlineData("保．本", 3)]          // full-width full stop
    [InlineData("保、本", 3)]
    [InlineData("保　本", 3)]          // ideographic space
    [InlineData("保🔥本", 4)]          // an emoji is a surrogate pair
    [InlineData("保*~本", 4)]
    public void Separators_inserted_to_evade_the_filter_are_skipped_and_covered_by_the_match(string text, int length)
    {
        var found = Find(["保本"], "看" + text + "看");
        Assert.Equal([("保本", 1, length)], found);
    }

    [Fact]
    public void Separators_are_significant_when_skipping_is_off()
    {
        Assert.Empty(Find(["保本"], "保 本", new TextNormalization(SkipSeparators: false)));
        Assert.Single(Find(["保 本"], "保 本", new TextNormalization(SkipSeparators: false)));
    }

    [Fact]
    public void Full_width_and_case_are_folded_on_both_sides()
    {
        Assert.Equal([("VIP", 0, 3)], Find(["VIP"], "ｖｉｐ专享"));
        Assert.Equal([("VIP", 2, 3)], Find(["VIP"], "尊享Vip"));
        Assert.Equal([("ｖｉｐ", 0, 3)], Find(["ｖｉｐ"], "VIP"));
        Assert.Equal([("100%有效", 0, 6)], Find(["100%有效"], "１００％有效"));
        Assert.Empty(Find(["VIP"], "ｖｉｐ", new TextNormalization(FoldWidth: false)));
        Assert.Empty(Find(["VIP"], "vip", new TextNormalization(FoldCase: false)));
    }

    [Fact]
    public void Percent_stays_significant_so_a_claim_is_not_just_a_number()
    {
        Assert.Empty(Find(["100%有效"], "100有效"));
        Assert.Empty(Find(["100%"], "满100元"));
    }

    [Fact]
    public void Keywords_beyond_the_basic_plane_match_as_surrogate_pairs()
    {
        // U+20000 (𠀀) is a CJK Extension B ideograph: a letter, never a separator.
        Assert.Equal([("𠀀本", 1, 3)], Find(["𠀀本"], "看𠀀本"));
    }

    [Fact]
    public void Duplicate_keywords_are_each_reported()
    {
        var matcher = new TextMatcher(["稳赚", "稳 赚", "稳赚"]);
        Assert.Equal([0, 1, 2], matcher.FindAll("稳赚").Select(m => m.Pattern).Order());
    }

    [Fact]
    public void Long_patterns_still_map_their_start()
    {
        var word = new string('a', 300);
        var matcher = new TextMatcher([word, "b"], TextNormalization.None);
        var text = "b" + new string('a', 301) + "b";
        Assert.Equal([(1, 0, 1), (0, 1, 300), (0, 2, 300), (1, 302, 1)],
            matcher.FindAll(text).Select(m => (m.Pattern, m.Start, m.Length)).OrderBy(m => m.Start));
    }

    [Fact]
    public void A_keyword_that_normalises_to_nothing_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new TextMatcher(["保本", " - "]));
        Assert.Throws<ArgumentException>(() => new TextMatcher([""]));
        // Without separator skipping, punctuation is a character like any other.
        Assert.Equal(1, new TextMatcher([" - "], TextNormalization.None).PatternCount);
    }

    [Fact]
    public void Contains_any_agrees_with_find_all()
    {
        var matcher = new TextMatcher(["稳赚不赔", "砍一刀"]);
        Assert.True(matcher.ContainsAny("快来帮我砍 一 刀"));
        Assert.False(matcher.ContainsAny("稳赚的不赔"));
        Assert.False(matcher.ContainsAny(""));
    }

    [Fact]
    public void Search_allocates_nothing_when_the_result_list_has_room()
    {
        var matcher = new TextMatcher(BuiltInRulePacks.All.SelectMany(p => p.Rules).SelectMany(r => r.Words).ToList());
        var text = string.Concat(Enumerable.Repeat("这款产品保本保息，欢迎咨询最新活动。", 20));
        var matches = new List<TextMatch>(1000);
        matcher.FindAll(text, matches);
        matches.Clear();
        var before = GC.GetAllocatedBytesForCurrentThread();
        matcher.FindAll(text, matches);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.NotEmpty(matches);
    }

    // ---- Property tests against a naive oracle ----

    /// <summary>A text unit and what it normalises to, written out by hand so the oracle shares no code with the matcher.</summary>
    private static readonly (string Unit, string Normal)[] Units =
    [
        ("a", "a"), ("A", "a"), ("ａ", "a"), ("Ａ", "a"), ("b", "b"), ("B", "b"), ("１", "1"), ("1", "1"),
        ("保", "保"), ("本", "本"), ("息", "息"), ("赚", "赚"),
        (" ", ""), ("-", ""), ("\u200B", ""), ("。", ""), ("！", ""), ("🔥", ""), ("%", "%"), ("％", "%"),
        ("東", "东"), ("东", "东"), ("買", "买"), ("买", "买"), ("後", "后"), ("后", "后"), ("麵", "面"), ("面", "面"),
        ("\u3000", ""), ("·", ""), ("\uFEFF", ""), ("\u200D", ""), ("😀", ""), ("𠀀", "𠀀"), ("Ｂ", "b"),
    ];

    private static readonly Dictionary<string, string> NormalOf = Units.ToDictionary(u => u.Unit, u => u.Normal);

    public sealed record MatchCase(string[][] Keywords, string[] Text)
    {
        public override string ToString() =>
            $"keywords [{string.Join(", ", Keywords.Select(k => "\"" + Escape(string.Concat(k)) + "\""))}] text \"{Escape(string.Concat(Text))}\"";

        private static string Escape(string s) => s.Replace("\u200B", "\\u200B").Replace("\u200D", "\\u200D").Replace("\uFEFF", "\\uFEFF");
    }

    public static class Cases
    {
        public static Arbitrary<MatchCase> Normalised()
        {
            var unit = Gen.Elements(Units.Select(u => u.Unit).ToArray());
            var keyword = Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(unit, n))
                .Where(k => k.Any(u => NormalOf[u].Length > 0));
            var gen = Gen.Choose(1, 8).SelectMany(n => Gen.ArrayOf(keyword, n))
                .SelectMany(keywords => Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(unit, n))
                    .Select(text => new MatchCase(keywords, text)));
            return Arb.From(gen, Shrink);
        }

        private static IEnumerable<MatchCase> Shrink(MatchCase c)
        {
            for (var i = 0; i < c.Keywords.Length && c.Keywords.Length > 1; i++)
            {
                yield return c with { Keywords = [.. c.Keywords.Take(i), .. c.Keywords.Skip(i + 1)] };
            }
            for (var i = 0; i < c.Text.Length; i++)
            {
                yield return c with { Text = [.. c.Text.Take(i), .. c.Text.Skip(i + 1)] };
            }
        }
    }

    /// <summary>Every occurrence of every keyword, by normalising the text unit by unit and trying IndexOf at each position.</summary>
    private static List<(int, int, int)> NaiveMatches(MatchCase c)
    {
        var normal = new System.Text.StringBuilder();
        var unitStart = new List<int>();   // original start of each normalised char
        var unitEnd = new List<int>();
        var offset = 0;
        foreach (var unit in c.Text)
        {
            foreach (var ch in NormalOf[unit])
            {
                normal.Append(ch);
                unitStart.Add(offset);
                unitEnd.Add(offset + unit.Length);
            }
            offset += unit.Length;
        }
        var text = normal.ToString();
        var expected = new List<(int, int, int)>();
        for (var k = 0; k < c.Keywords.Length; k++)
        {
            var word = string.Concat(c.Keywords[k].Select(u => NormalOf[u]));
            for (var at = text.IndexOf(word, StringComparison.Ordinal); at >= 0; at = text.IndexOf(word, at + 1, StringComparison.Ordinal))
            {
                var start = unitStart[at];
                expected.Add((k, start, unitEnd[at + word.Length - 1] - start));
            }
        }
        return expected;
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 3000)]
    public bool Normalised_matches_equal_the_naive_oracle(MatchCase c)
    {
        var matcher = new TextMatcher(c.Keywords.Select(k => string.Concat(k)).ToList());
        var actual = matcher.FindAll(string.Concat(c.Text)).Select(m => (m.Pattern, m.Start, m.Length)).Order().ToList();
        return actual.SequenceEqual(NaiveMatches(c).Order());
    }

    [Property(MaxTest = 300)]
    public bool Exact_matches_equal_indexof_everywhere(int seed)
    {
        // Small alphabet, so keywords overlap, nest and repeat often.
        var random = new Random(seed);
        string Word(int min, int max) => string.Concat(Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => "abc保本息"[random.Next(6)]));
        var keywords = Enumerable.Range(0, random.Next(1, 12)).Select(_ => Word(1, 5)).ToList();
        var text = Word(0, 80);
        var expected = new List<(int, int, int)>();
        for (var k = 0; k < keywords.Count; k++)
        {
            for (var i = 0; i + keywords[k].Length <= text.Length; i++)
            {
                if (string.CompareOrdinal(text, i, keywords[k], 0, keywords[k].Length) == 0)
                {
                    expected.Add((k, i, keywords[k].Length));
                }
            }
        }
        var matcher = new TextMatcher(keywords, TextNormalization.None);
        var actual = matcher.FindAll(text).Select(m => (m.Pattern, m.Start, m.Length)).Order();
        return actual.SequenceEqual(expected.Order()) && matcher.ContainsAny(text) == (expected.Count > 0);
    }

    [Fact]
    public void Many_keywords_over_a_large_alphabet_match_like_the_oracle()
    {
        // Thousands of keywords make the root's edge list long enough for binary search, as in real packs.
        var random = new Random(7);
        var alphabet = Enumerable.Range(0x4E00, 3000).Select(c => (char)c).Concat("abcdefghij").ToArray();
        string Word(int min, int max) => new(Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        var keywords = Enumerable.Range(0, 5000).Select(_ => Word(2, 4)).ToList();
        var text = string.Concat(Enumerable.Range(0, 400).Select(_ => random.Next(3) == 0 ? keywords[random.Next(keywords.Count)] : Word(1, 3)));
        var expected = new List<(int, int, int)>();
        for (var k = 0; k < keywords.Count; k++)
        {
            for (var at = text.IndexOf(keywords[k], StringComparison.Ordinal); at >= 0; at = text.IndexOf(keywords[k], at + 1, StringComparison.Ordinal))
            {
                expected.Add((k, at, keywords[k].Length));
            }
        }
        var actual = new TextMatcher(keywords, TextNormalization.None).FindAll(text).Select(m => (m.Pattern, m.Start, m.Length));
        Assert.True(expected.Count > 100);
        Assert.Equal(expected.Order(), actual.Order());
    }

    [Property(Arbitrary = new[] { typeof(Cases) }, MaxTest = 1000)]
    public bool Count_and_contains_any_agree_with_the_oracle(MatchCase c)
    {
        var matcher = new TextMatcher(c.Keywords.Select(k => string.Concat(k)).ToList());
        var text = string.Concat(c.Text);
        var expected = NaiveMatches(c).Count;
        return matcher.Count(text) == expected && matcher.ContainsAny(text) == (expected > 0);
    }

    [Fact]
    public void Seeded_random_chinese_and_english_patterns_with_evasions_match_the_oracle()
    {
        // Patterns drawn from a few hundred Chinese characters (some traditional) plus Latin, so prefixes,
        // overlaps, single characters and duplicates all occur; texts carry separators and width/case/script variants.
        var random = new Random(2026);
        var han = Enumerable.Range(0x4E00, 300).Select(c => (char)c).Concat("东买后台松面发保本稳赚").ToArray();
        var variants = new Dictionary<char, string[]>
        {
            ['东'] = ["東"], ['买'] = ["買"], ['后'] = ["後"], ['台'] = ["臺", "檯", "颱"], ['松'] = ["鬆"], ['面'] = ["麵"],
            ['发'] = ["髮", "發"], ['a'] = ["A", "ａ", "Ａ"], ['b'] = ["B", "ｂ"], ['1'] = ["１"],
        };
        string[] separators = [" ", "-", "\u200B", "\u200D", "。", "，", "！", "🔥", "😀", "\u3000", "*", "~", "·"];
        for (var round = 0; round < 600; round++)
        {
            var patterns = new List<string>();
            for (var k = random.Next(1, 60); k > 0; k--)
            {
                if (patterns.Count > 0 && random.Next(5) == 0)
                {
                    // A duplicate, a prefix or an extension of an earlier pattern.
                    var earlier = patterns[random.Next(patterns.Count)];
                    patterns.Add(random.Next(3) switch
                    {
                        0 => earlier,
                        1 => earlier[..random.Next(1, earlier.Length + 1)],
                        _ => earlier + han[random.Next(20)],
                    });
                    continue;
                }
                var length = random.Next(1, 7);
                patterns.Add(new string(Enumerable.Range(0, length)
                    .Select(_ => random.Next(4) == 0 ? "ab1"[random.Next(3)] : han[random.Next(han.Length)]).ToArray()));
            }

            // Text: normal units (each with its normal form), sometimes a planted pattern, sometimes separators.
            // Lengths either side of TextMatcher.InterleaveMinLength: one stream, and four interleaved streams whose
            // boundaries fall on separators, emoji and planted words.
            var units = new List<(string Unit, string Normal)>();
            var target = random.Next(2) == 0 ? random.Next(1, 250) : random.Next(250, 2000);
            while (units.Count < target)
            {
                if (random.Next(6) == 0)
                {
                    foreach (var ch in patterns[random.Next(patterns.Count)])
                    {
                        units.Add(Variant(ch));
                        if (random.Next(3) == 0)
                        {
                            units.Add((separators[random.Next(separators.Length)], ""));
                        }
                    }
                }
                else if (random.Next(8) == 0)
                {
                    units.Add((separators[random.Next(separators.Length)], ""));
                }
                else
                {
                    units.Add(Variant(random.Next(4) == 0 ? "ab1"[random.Next(3)] : han[random.Next(20)]));
                }
            }

            var expected = Oracle(patterns, units);
            var matcher = new TextMatcher(patterns.Select((p, i) => (p, i * 10 + 1)).ToList());
            var text = string.Concat(units.Select(u => u.Unit));
            var actual = matcher.FindAll(text);
            Assert.All(actual, m => Assert.Equal(m.Pattern * 10 + 1, m.Payload));
            Assert.Equal(expected, actual.Select(m => (m.Pattern, m.Start, m.Length)).Order().ToList());
            Assert.Equal(expected.Count, matcher.Count(text));
            Assert.Equal(expected.Count > 0, matcher.ContainsAny(text));
        }

        (string, string) Variant(char c) =>
            variants.TryGetValue(c, out var forms) && random.Next(2) == 0 ? (forms[random.Next(forms.Length)], c.ToString()) : (c.ToString(), c.ToString());
    }

    /// <summary>Normalises the text unit by unit (forms written out by the test) and tries every pattern at every position.</summary>
    private static List<(int, int, int)> Oracle(List<string> patterns, List<(string Unit, string Normal)> units)
    {
        var normal = new System.Text.StringBuilder();
        var unitStart = new List<int>();
        var unitEnd = new List<int>();
        var offset = 0;
        foreach (var (unit, form) in units)
        {
            foreach (var ch in form)
            {
                normal.Append(ch);
                unitStart.Add(offset);
                unitEnd.Add(offset + unit.Length);
            }
            offset += unit.Length;
        }
        var text = normal.ToString();
        var expected = new List<(int, int, int)>();
        for (var p = 0; p < patterns.Count; p++)
        {
            for (var i = 0; i + patterns[p].Length <= text.Length; i++)
            {
                if (string.CompareOrdinal(text, i, patterns[p], 0, patterns[p].Length) == 0)
                {
                    expected.Add((p, unitStart[i], unitEnd[i + patterns[p].Length - 1] - unitStart[i]));
                }
            }
        }
        expected.Sort();
        return expected;
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(20_000)]
    public void Thousands_of_chinese_words_match_like_indexof(int count)
    {
        // Sizes where the root has thousands of children and the double array is large.
        var random = new Random(count);
        var alphabet = Enumerable.Range(0x4E00, 3500).Select(c => (char)c).Where(c => ChineseVariants.ToSimplified(c) == c).ToArray();
        string Word(int min, int max) => new(Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        var patterns = Enumerable.Range(0, count).Select(_ => Word(1, 6)).ToList();
        var text = string.Concat(Enumerable.Range(0, 1500).Select(_ => random.Next(3) == 0 ? patterns[random.Next(patterns.Count)] : Word(1, 3)));
        var expected = new List<(int, int, int)>();
        for (var k = 0; k < patterns.Count; k++)
        {
            for (var at = text.IndexOf(patterns[k], StringComparison.Ordinal); at >= 0; at = text.IndexOf(patterns[k], at + 1, StringComparison.Ordinal))
            {
                expected.Add((k, at, patterns[k].Length));
            }
        }
        var matcher = new TextMatcher(patterns);
        Assert.True(expected.Count > 500);
        Assert.Equal(expected.Order(), matcher.FindAll(text).Select(m => (m.Pattern, m.Start, m.Length)).Order());
        Assert.Equal(expected.Count, matcher.Count(text));
    }

    [Fact]
    public void Traditional_text_matches_simplified_patterns_and_back_unless_switched_off()
    {
        Assert.Equal([("买东西", 0, 3)], Find(["买东西"], "買東西"));
        Assert.Equal([("後台", 1, 3)], Find(["後台"], "去后 臺"));
        Assert.Empty(Find(["买东西"], "買東西", new TextNormalization(FoldTraditional: false)));
        Assert.Single(Find(["买东西"], "买东西", new TextNormalization(FoldTraditional: false)));
    }

    [Fact]
    public void Each_option_can_be_switched_off_alone()
    {
        Assert.Single(Find(["vip"], "ＶＩＰ"));
        Assert.Empty(Find(["vip"], "ｖｉｐ", new TextNormalization(FoldWidth: false)));
        Assert.Empty(Find(["vip"], "VIP", new TextNormalization(FoldCase: false)));
        Assert.Empty(Find(["保本"], "保\u200B本", new TextNormalization(SkipSeparators: false)));
        Assert.Single(Find(["保本"], "保\u200B本", new TextNormalization(FoldWidth: false, FoldCase: false, FoldTraditional: false)));
    }

    [Fact]
    public void Separator_skipping_covers_every_documented_kind()
    {
        // White space, zero-width and format characters, Chinese and ASCII punctuation, symbols, emoji (with a
        // variation selector and a skin tone), combining marks.
        string[] inserted = [" ", "\t", "\n", "\u3000", "\u00A0", "\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD",
            "-", "_", ".", ",", "/", "\\", "|", "*", "+", "=", "~", "^", "`", "'", "\"", "(", ")", "【", "】", "《", "》", "「", "」",
            "，", "。", "、", "；", "：", "？", "！", "…", "—", "·", "♥", "★", "😀", "👍🏻", "❤\uFE0F", "\u0301"];
        foreach (var sep in inserted)
        {
            var found = Find(["保本"], "看保" + sep + "本看");
            Assert.True(found.SequenceEqual([("保本", 1, 2 + sep.Length)]), $"separator U+{(int)sep[0]:X4}");
        }
        // Kept: %, currency, letters and digits of any script (circled numbers such as ① are numbers, not padding).
        Assert.Empty(Find(["保本"], "保%本"));
        Assert.Empty(Find(["保本"], "保$本"));
        Assert.Empty(Find(["保本"], "保a本"));
        Assert.Empty(Find(["保本"], "保①本"));
    }

    [Fact]
    public void Interleaved_streams_report_each_match_once_whatever_falls_on_their_boundaries()
    {
        // Small alphabet, dense matches and emoji everywhere, at every length around where four streams start.
        (string, string)[] alphabet = [("保", "保"), ("本", "本"), ("息", "息"), (" ", ""), ("🔥", ""), ("𠀀", "𠀀"), ("Ｂ", "b")];
        List<string> patterns = ["保本", "本保本", "保", "本息保本息", "𠀀本", "b保", "保本"];
        var matcher = new TextMatcher(patterns);
        var random = new Random(11);
        for (var length = TextMatcher.InterleaveMinLength - 8; length < TextMatcher.InterleaveMinLength + 300; length++)
        {
            var units = Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToList();
            var text = string.Concat(units.Select(u => u.Item1));
            var expected = Oracle(patterns, units);
            var found = matcher.FindAll(text);
            Assert.Equal(expected, found.Select(m => (m.Pattern, m.Start, m.Length)).Order().ToList());
            // Reported in end order, longest first, as a single pass would.
            Assert.Equal(found.OrderBy(m => m.End).ThenByDescending(m => m.Length).ThenBy(m => m.Pattern), found);
            Assert.Equal(expected.Count, matcher.Count(text));
            Assert.Equal(expected.Count > 0, matcher.ContainsAny(text));
        }
    }

    [Fact]
    public void Long_texts_dense_in_characters_no_pattern_uses_match_the_oracle()
    {
        // The four-stream kernel: text mostly of characters outside every pattern, separators in runs (so chunk and
        // quarter boundaries fall inside them), emoji and extension-B pairs (which stop the kernel), one-character
        // patterns, and lengths from a few characters (one stream) to several chunks of four streams.
        var random = new Random(808);
        var cjk = Enumerable.Range(0x4E00, 2000).Select(c => (char)c).Where(c => ChineseVariants.ToSimplified(c) == c).ToArray();
        var alphabet = cjk[..8].Select(c => c.ToString()).Append("𠀀").Append("a").ToArray();
        var background = cjk[100..400].Select(c => (c.ToString(), c.ToString())).Append(("𠀁", "𠀁")).Append(("Q", "q")).ToArray();
        string[] separators = [" ", "，", "。", "\u200B", "😀", "👍🏻", "-", "\n"];
        for (var round = 0; round < 250; round++)
        {
            var patterns = Enumerable.Range(0, random.Next(1, 30))
                .Select(_ => string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => alphabet[random.Next(alphabet.Length)])))
                .ToList();
            var target = random.Next(3) switch { 0 => random.Next(1, 16), 1 => random.Next(16, 400), _ => random.Next(1000, 6000) };
            var units = new List<(string Unit, string Normal)>();
            while (units.Count < target)
            {
                var r = random.Next(100);
                if (r < 80)
                {
                    units.Add(background[random.Next(background.Length)]);
                }
                else if (r < 90)
                {
                    // A run of separators, sometimes long.
                    for (var n = random.Next(4) == 0 ? random.Next(1, 40) : 1; n > 0; n--)
                    {
                        units.Add((separators[random.Next(separators.Length)], ""));
                    }
                }
                else if (r < 97)
                {
                    foreach (var unit in Units(patterns[random.Next(patterns.Count)]))
                    {
                        units.Add((unit, unit));
                        if (random.Next(4) == 0)
                        {
                            units.Add((separators[random.Next(separators.Length)], ""));
                        }
                    }
                }
                else
                {
                    var unit = alphabet[random.Next(alphabet.Length)];
                    units.Add((unit, unit));
                }
            }
            AssertLikeOracle(patterns, units);
        }

        static IEnumerable<string> Units(string word)
        {
            for (var i = 0; i < word.Length; i += char.IsHighSurrogate(word[i]) ? 2 : 1)
            {
                yield return word.Substring(i, char.IsHighSurrogate(word[i]) ? 2 : 1);
            }
        }
    }

    [Fact]
    public void States_with_thirty_two_or_more_matches_are_counted_exactly()
    {
        // Count adds a per-state count kept in the double array up to 31; beyond that it takes the general path.
        var random = new Random(5);
        var runs = Enumerable.Range(1, 40).Select(n => new string('保', n)).ToList();
        var duplicates = Enumerable.Repeat("本息", 35).Append("息").ToList();
        foreach (var patterns in new[] { runs, duplicates, runs.Take(31).ToList(), runs.Take(30).Append("保保").ToList() })
        {
            var units = Enumerable.Range(0, random.Next(300, 3000))
                .Select(_ => random.Next(3) switch { 0 => ("保", "保"), 1 => random.Next(2) == 0 ? ("本", "本") : ("息", "息"), _ => random.Next(3) == 0 ? ("，", "") : ("保", "保") })
                .ToList();
            AssertLikeOracle(patterns, units);
        }
    }

    [Fact]
    public void More_classes_than_the_kernel_takes_match_the_oracle()
    {
        // Above 32,766 classes the scan keeps to one careful stream; 36,000 one- and two-character patterns.
        var chars = Enumerable.Range(0x4E00, 0x9FFF - 0x4E00 + 1).Concat(Enumerable.Range(0xAC00, 0xD7A3 - 0xAC00 + 1)).Concat(Enumerable.Range(0x3400, 0x4DBF - 0x3400 + 1))
            .Select(c => (char)c).Where(c => ChineseVariants.ToSimplified(c) == c).Take(36_000).ToArray();
        var random = new Random(3);
        var patterns = chars.Select((c, i) => i % 3 == 0 ? $"{c}{chars[random.Next(100)]}" : c.ToString()).ToList();
        var matcher = new TextMatcher(patterns);
        Assert.True(matcher.AlphabetSize > 32_766);
        var units = Enumerable.Range(0, 3000).Select(_ => random.Next(10) == 0 ? ("。", "") : chars[random.Next(random.Next(2) == 0 ? 100 : chars.Length)].ToString() is var u ? (u, u) : default).ToList();
        AssertLikeOracle(patterns, units, matcher);
    }

    private static void AssertLikeOracle(List<string> patterns, List<(string Unit, string Normal)> units, TextMatcher? matcher = null)
    {
        matcher ??= new TextMatcher(patterns);
        var text = string.Concat(units.Select(u => u.Unit));
        var expected = Oracle(patterns, units);
        var found = matcher.FindAll(text);
        Assert.Equal(expected, found.Select(m => (m.Pattern, m.Start, m.Length)).Order().ToList());
        Assert.Equal(found.OrderBy(m => m.End).ThenByDescending(m => m.Length).ThenBy(m => m.Pattern), found);
        Assert.Equal(expected.Count, matcher.Count(text));
        Assert.Equal(expected.Count > 0, matcher.ContainsAny(text));
    }
}
