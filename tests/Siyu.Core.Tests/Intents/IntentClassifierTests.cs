using Siyu.Core.Intents;
using Xunit;

namespace Siyu.Core.Tests.Intents;

public class IntentClassifierTests
{
    private static readonly IntentClassifier Default = new(IntentModel.Shipped);

    [Theory]
    [InlineData("请问这个多少钱？", IntentCatalog.PriceInquiry, "多少钱")]
    [InlineData("我要退貨", IntentCatalog.AfterSales, "退货")]          // traditional script folds
    [InlineData("退 订", IntentCatalog.Unsubscribe, "退订")]            // spaces inserted to dodge filters
    [InlineData("ＵＮＳＵＢＳＣＲＩＢＥ", IntentCatalog.Unsubscribe, "unsubscribe")] // full width and case
    [InlineData("退款三周了还没到，我要投诉", IntentCatalog.Complaint, "投诉")] // complaint outranks the refund
    [InlineData("快递丢了，我要退款", IntentCatalog.AfterSales, "退款")]       // refund outranks the parcel
    public void Keyword_rules_decide_by_priority(string text, string intent, string keyword)
    {
        var result = Default.Classify(text);
        Assert.Equal((intent, IntentSources.Keyword, keyword, 1.0), (result.Intent, result.Source, result.Keyword, result.Confidence));
        Assert.NotEmpty(result.Scores); // the model's view is still shown
    }

    [Fact]
    public void Without_a_keyword_the_model_decides_and_shows_evidence()
    {
        var result = Default.Classify("明天能送到吗");
        Assert.Equal(IntentSources.Model, result.Source);
        Assert.Null(result.Keyword);
        Assert.Equal(result.Scores[0].Intent, result.Intent);
        Assert.Equal(result.Scores[0].Probability, result.Confidence);
        Assert.NotEmpty(result.Evidence);
    }

    [Fact]
    public void A_model_answer_below_the_threshold_is_other()
    {
        var strict = new IntentClassifier(IntentModel.Shipped, new IntentSettings { Threshold = 1 });
        var result = strict.Classify("明天能送到吗");
        Assert.Equal((IntentCatalog.Other, IntentSources.Model), (result.Intent, result.Source));
        Assert.True(result.Confidence < 1);
        Assert.Equal(IntentCatalog.PriceInquiry, strict.Classify("多少钱").Intent); // keywords are not subject to it
    }

    [Fact]
    public void Tenant_keywords_custom_intents_and_disabled_words_apply()
    {
        var settings = new IntentSettings
        {
            ExtraKeywords = new Dictionary<string, IReadOnlyList<string>> { [IntentCatalog.Logistics] = ["寄到哪"] },
            DisabledKeywords = ["价格"],
            CustomIntents = [new CustomIntent { Code = "trial_booking", Name = "预约试听", Keywords = ["试听", "体验课"] }],
        };
        Assert.Empty(settings.Validate());
        var classifier = new IntentClassifier(IntentModel.Shipped, settings);
        Assert.Equal(("trial_booking", "试听"), (classifier.Classify("想约个试听").Intent, classifier.Classify("想约个试听").Keyword));
        Assert.Equal("寄到哪", classifier.Classify("东西寄到哪了").Keyword);
        Assert.NotEqual(IntentSources.Keyword, classifier.Classify("价格").Source);
        Assert.Equal(IntentSources.Keyword, Default.Classify("价格").Source);
        // Built-in intents outrank custom ones when both match.
        Assert.Equal(IntentCatalog.Complaint, classifier.Classify("试听课太差，我要投诉").Intent);
        Assert.Contains(classifier.Intents, i => i is { Code: "trial_booking", BuiltIn: false });
    }

    [Fact]
    public void Empty_text_has_no_intent_source()
    {
        var result = Default.Classify("   ");
        Assert.Equal((IntentCatalog.Other, IntentSources.None, 0.0), (result.Intent, result.Source, result.Confidence));
    }

    [Fact]
    public void Settings_validation_names_the_field()
    {
        var settings = new IntentSettings
        {
            Threshold = 1.5,
            ExtraKeywords = new Dictionary<string, IReadOnlyList<string>> { ["nope"] = ["x"], [IntentCatalog.Complaint] = ["", "!!!"] },
            CustomIntents =
            [
                new CustomIntent { Code = "Bad Code", Name = "x", Keywords = ["a"] },
                new CustomIntent { Code = IntentCatalog.Complaint, Name = "", Keywords = [] },
            ],
        };
        var paths = settings.Validate().Select(e => e.Path).ToList();
        Assert.Equal(
            ["threshold", "extra_keywords.nope", "extra_keywords.complaint[0]", "extra_keywords.complaint[1]", "custom_intents[0].code",
             "custom_intents[1].code", "custom_intents[1].name", "custom_intents[1].keywords"],
            paths);
    }
}
