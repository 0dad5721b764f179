using Siyu.Core.Intents;
using Xunit;
using Xunit.Abstractions;

namespace Siyu.Core.Tests.Intents;

public class IntentModelTests(ITestOutputHelper output)
{
    // Written for these tests, not taken from the dataset (a test below checks that): how well the classifier does on
    // messages it never saw.
    public static readonly (string Text, string Intent)[] Unseen =
    [
        ("这件外套现在卖多少", IntentCatalog.PriceInquiry),
        ("钢琴课一个学期收多少费用", IntentCatalog.PriceInquiry),
        ("有没有便宜一点的套餐", IntentCatalog.PriceInquiry),
        ("帮我拍一件黑色的", IntentCatalog.PurchaseIntent),
        ("我想给女儿报个名", IntentCatalog.PurchaseIntent),
        ("好的，我要两盒，怎么付", IntentCatalog.PurchaseIntent),
        ("鞋子穿了一天就开胶了", IntentCatalog.AfterSales),
        ("收到的杯子碎了一个", IntentCatalog.AfterSales),
        ("孩子不想学了，钱能退回来吗", IntentCatalog.AfterSales),
        ("我的货到哪儿了", IntentCatalog.Logistics),
        ("下单三天了还没寄出", IntentCatalog.Logistics),
        ("明天能送到吗", IntentCatalog.Logistics),
        ("你们这服务真是太烂了", IntentCatalog.Complaint),
        ("我要向市场监管局反映你们", IntentCatalog.Complaint),
        ("完全是在忽悠人", IntentCatalog.Complaint),
        ("以后别给我发这些了", IntentCatalog.Unsubscribe),
        ("不要再推送广告给我", IntentCatalog.Unsubscribe),
        ("停止给我发信息", IntentCatalog.Unsubscribe),
        ("谢谢你啊", IntentCatalog.Other),
        ("早安", IntentCatalog.Other),
        ("好的我知道啦", IntentCatalog.Other),
    ];

    [Fact]
    public void The_shipped_dataset_has_every_built_in_intent_with_enough_examples()
    {
        var examples = IntentDataset.Default;
        foreach (var intent in IntentCatalog.BuiltIn)
        {
            Assert.True(examples.Count(e => e.Intent == intent.Code) >= 70, intent.Code);
        }
        Assert.All(examples, e => Assert.NotNull(IntentCatalog.Find(e.Intent)));
        Assert.Equal(examples.Count, examples.Select(e => e.Text).Distinct().Count());
    }

    [Fact]
    public void The_extracted_linear_model_scores_exactly_as_ML_NET_does()
    {
        var model = IntentModel.Shipped;
        foreach (var text in new[] { "这个多少钱", "快递怎么还没到", "我要投诉你们", "今天天气真好", "abc", "鞋子穿了一天就开胶了" })
        {
            var ours = model.Predict(text).Scores.ToDictionary(s => s.Intent, s => s.Probability);
            var theirs = model.PredictWithMlNet(text);
            Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
            foreach (var (intent, p) in theirs)
            {
                Assert.True(Math.Abs(p - ours[intent]) < 1e-4, $"{text} {intent}: ML.NET {p}, extracted {ours[intent]}");
            }
        }
    }

    [Fact]
    public void Cross_validated_accuracy_of_the_model_alone_is_useful()
    {
        var evaluation = IntentModel.CrossValidate(IntentDataset.Default, folds: 5);
        output.WriteLine($"accuracy {evaluation.Accuracy:P1}");
        foreach (var q in evaluation.PerIntent)
        {
            output.WriteLine($"{q.Intent}: precision {q.Precision:P0} recall {q.Recall:P0}");
        }
        // Seven classes: guessing gets 14%. The bar is what a small character-bigram model reaches on this set.
        Assert.True(evaluation.Accuracy >= 0.65, $"accuracy {evaluation.Accuracy:P1}");
        Assert.All(evaluation.PerIntent, q => Assert.True(q.Recall >= 0.5, $"{q.Intent} recall {q.Recall:P0}"));
    }

    [Fact]
    public void Keywords_and_model_together_classify_unseen_messages()
    {
        var texts = IntentDataset.Default.Select(e => e.Text).ToHashSet();
        Assert.DoesNotContain(Unseen, u => texts.Contains(u.Text));
        var classifier = new IntentClassifier(IntentModel.Shipped);
        var right = 0;
        foreach (var (text, intent) in Unseen)
        {
            var result = classifier.Classify(text);
            output.WriteLine($"{text} → {result.Intent} ({result.Source} {result.Confidence:F2} {result.Keyword} {string.Join('/', result.Evidence)})");
            right += result.Intent == intent ? 1 : 0;
        }
        Assert.True(right >= Unseen.Length * 0.7, $"{right}/{Unseen.Length}");
    }

    [Fact]
    public void Training_is_deterministic()
    {
        var a = IntentModel.Train(IntentDataset.Default);
        var b = IntentModel.Train(IntentDataset.Default);
        foreach (var (text, _) in Unseen)
        {
            Assert.Equal(a.Predict(text).Scores, b.Predict(text).Scores);
        }
    }

    [Fact]
    public void Evidence_is_n_grams_of_the_message_that_favour_the_winner()
    {
        var prediction = IntentModel.Shipped.Predict("请问寄到北京要几天");
        Assert.NotEmpty(prediction.Evidence);
        var normalised = IntentModel.Normalise("请问寄到北京要几天");
        Assert.All(prediction.Evidence, gram => Assert.Contains(gram, normalised, StringComparison.Ordinal));
    }

    [Fact]
    public void Probabilities_sum_to_one_and_are_sorted()
    {
        foreach (var (text, _) in Unseen)
        {
            var scores = IntentModel.Shipped.Predict(text).Scores;
            Assert.Equal(1.0, scores.Sum(s => s.Probability), 6);
            Assert.Equal(scores.OrderByDescending(s => s.Probability).Select(s => s.Intent), scores.Select(s => s.Intent));
        }
    }
}
