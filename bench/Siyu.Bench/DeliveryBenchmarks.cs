using BenchmarkDotNet.Attributes;
using Siyu.Core.Delivery;
using Siyu.Core.Text;

namespace Siyu.Bench;

/// <summary>
/// The delivery pipeline's hot paths: content review of a 500-character Chinese marketing message against every
/// built-in rule pack, the keyword automaton alone, and a whole decision.
/// </summary>
[MemoryDiagnoser]
public class DeliveryBenchmarks
{
    // A realistic mass-send text: mostly clean, with a few phrases the packs catch (最新, 第一时间 are exceptions).
    private const string Paragraph =
        "亲爱的会员您好！年终感恩季正式开启，门店与线上商城同步上新，最新款羽绒服、羊绒大衣和针织衫全场八折起，" +
        "会员积分翻倍，满三百元再减五十元。活动期间到店试穿即可领取精美礼品一份，数量有限，先到先得。" +
        "我们的导购将在第一时间为您预留尺码，也可以在小程序内预约到店时间，享受一对一搭配服务。" +
        "本次活动还推出全网最低价的限量款，点击领取优惠券后下单更划算。如有任何问题，欢迎随时回复本消息咨询，" +
        "客服工作时间为每天九点至二十一点。感谢您一直以来的支持与陪伴，祝您和家人冬日温暖、生活愉快！" +
        "退订请回复TD，我们将不再向您推送活动信息。";

    private readonly string _message = string.Concat(Enumerable.Repeat(Paragraph, 3))[..500];
    private readonly string _clean = string.Concat(Enumerable.Repeat("感谢您一直以来的支持与陪伴，祝您和家人冬日温暖、生活愉快！", 20))[..500];
    private readonly List<TextMatch> _matches = new(64);
    private ContentReview _review = null!;
    private TextMatcher _matcher = null!;
    private CompiledDeliverySettings _settings = null!;
    private CustomerDeliveryContext _context = null!;
    private DeliveryRequest _request = null!;
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        _review = ContentReview.Create(BuiltInRulePacks.All);
        _matcher = new TextMatcher(BuiltInRulePacks.All.SelectMany(p => p.Rules).SelectMany(r => r.Words)
            .Concat(BuiltInRulePacks.All.SelectMany(p => p.Allow)).ToList());
        Console.WriteLine($"// {_review.RuleWordCount} rule words + exceptions = {_review.KeywordCount} keywords; " +
            $"message {_message.Length} chars, {_review.Review(_message).Hits.Count} hits");

        _settings = CompiledDeliverySettings.Compile(new TenantDeliverySettings
        {
            TenantId = "bench",
            Industry = "retail",
            Caps = [new CapSettings { Channel = "wecom_private", Topic = "marketing", PerDay = 2, PerWeek = 5 }],
        });
        _now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(8));
        var history = Enumerable.Range(1, 20)
            .Select(d => new DeliveryRecord((DeliveryChannel)(d % 3), DeliveryTopic.Marketing, _now.AddDays(-d).UtcTicks)).ToArray();
        _context = new CustomerDeliveryContext(ConsentState.Empty, history);
        _request = new DeliveryRequest(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, _clean);
    }

    [Benchmark]
    public int Review500CharsAllPacks() => _review.Review(_message).Hits.Count;

    [Benchmark]
    public int Review500CharsCleanAllPacks() => _review.Review(_clean).Hits.Count;

    [Benchmark]
    public int Match500CharsAllPacks()
    {
        _matches.Clear();
        return _matcher.FindAll(_message, _matches);
    }

    [Benchmark]
    public DeliveryDecision DecideCleanMessage() => DeliveryPolicy.Decide(_request, _context, _settings, _now);
}
