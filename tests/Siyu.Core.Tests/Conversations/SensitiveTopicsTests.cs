using Siyu.Core.Conversations;
using Siyu.Core.Text;
using Xunit;

namespace Siyu.Core.Tests.Conversations;

public sealed class SensitiveTopicsTests
{
    private static SensitiveTopicSettings Settings(string[]? lists = null, string[]? custom = null, string[]? excluded = null, bool enabled = true) =>
        new(enabled, lists ?? ["general", "education"], custom ?? [], excluded ?? [], []);

    [Fact]
    public void Education_default_catches_refunds_and_complaints()
    {
        var m = SensitiveTopicMatcher.Compile(SensitiveTopicSettings.Default("education"));
        Assert.Equal(["退费"], m.Topics("老师你好，我要退费"));
        Assert.Equal(["投诉", "教学事故"], m.Topics("我要投诉，这是教学事故"));
        Assert.Empty(m.Topics("请问下周的课几点开始？"));
        var hit = Assert.Single(m.Find("我要退费"));
        Assert.Equal(("退费", "education", 2, 2), (hit.Word, hit.Source, hit.Start, hit.Length));
    }

    [Theory]
    [InlineData("我要退 费")]
    [InlineData("我要退*费！")]
    [InlineData("我要退費")]       // traditional
    [InlineData("我要 退、費")]
    [InlineData("打１２３１５投訴你们")] // full-width digits, traditional 訴
    public void Evasions_are_folded(string text) =>
        Assert.NotEmpty(SensitiveTopicMatcher.Compile(Settings()).Topics(text));

    [Fact]
    public void Industries_custom_and_excluded_words()
    {
        var finance = SensitiveTopicMatcher.Compile(Settings(["finance"]));
        Assert.Equal(["保本"], finance.Topics("这个产品保本吗"));
        Assert.Empty(finance.Topics("我要退费")); // education not on

        var custom = SensitiveTopicMatcher.Compile(Settings(["general"], custom: ["Refund", "差评"], excluded: ["媒体"]));
        Assert.Equal(["Refund"], custom.Topics("I want a REFUND now"));
        Assert.Empty(custom.Topics("你们在媒体上的广告")); // excluded
        Assert.Equal("general", custom.Find("给差评")[0].Source); // the built-in list lists it first

        Assert.Same(SensitiveTopicMatcher.Empty, SensitiveTopicMatcher.Compile(Settings(enabled: false)));
        Assert.Empty(SensitiveTopicMatcher.Empty.Topics("投诉"));
        Assert.Empty(SensitiveTopicMatcher.Compile(Settings(["general"], excluded: [.. SensitiveTopicLists.Get("general")!.Words])).Words);
    }

    [Fact]
    public void Validation_names_the_field()
    {
        var errors = new SensitiveTopicSettings(true, ["education", "nope"], ["退费", " ", "退費", new string('字', 31)], ["！！"], ["zhangmin", "a b"]).Validate();
        Assert.Equal(["lists[1]", "custom[1]", "custom[2]", "custom[3]", "excluded[0]", "supervisors[1]"], errors.Select(e => e.Path));
        Assert.Empty(SensitiveTopicSettings.Default("finance").Validate());
        Assert.Equal(["general"], SensitiveTopicLists.DefaultFor(null));
        Assert.Equal(["general", "retail"], SensitiveTopicLists.DefaultFor("retail"));
    }

    /// <summary>Against a naive oracle: fold the text the same way and look for every word with IndexOf.</summary>
    [Fact]
    public void Agrees_with_a_naive_oracle_on_random_text()
    {
        var settings = Settings(["general", "education", "finance", "retail"], custom: ["ab", "不满意"]);
        var matcher = SensitiveTopicMatcher.Compile(settings);
        var norm = TextNormalization.Default;
        var words = matcher.Words.Select(w => (w.Word, Folded: norm.Apply(w.Word))).ToList();
        var alphabet = string.Concat(words.Select(w => w.Word)) + "費訴 ,.!，。ＡＢab你好的了";
        var random = new Random(8);
        for (var round = 0; round < 2000; round++)
        {
            var chars = new char[random.Next(0, 24)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = alphabet[random.Next(alphabet.Length)];
            }
            var text = new string(chars);
            var folded = norm.Apply(text);
            var expected = words.Where(w => folded.Contains(w.Folded, StringComparison.Ordinal)).Select(w => w.Word).OrderBy(w => w, StringComparer.Ordinal);
            Assert.Equal(expected, matcher.Topics(text).OrderBy(w => w, StringComparer.Ordinal));
        }
    }
}
