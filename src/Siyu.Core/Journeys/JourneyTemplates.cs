using System.Reflection;
using System.Text.Json;

namespace Siyu.Core.Journeys;

/// <summary>
/// A ready-made journey an operator can start from. <see cref="Json"/> is journey format v1, to be published through
/// <see cref="JourneyParser"/> like any other journey (links, the schedule's audience and the texts are the operator's
/// to adjust first). <see cref="Industry"/> is a wire name of <c>Delivery.Industry</c> (retail, education, finance).
/// </summary>
public sealed record JourneyTemplate(
    string Id,
    string Industry,
    string NameZh,
    string NameEn,
    string DescriptionZh,
    string DescriptionEn,
    string Json);

/// <summary>
/// The built-in journey templates (issue 5). Each is a JSON file under <c>Journeys/Templates</c>, embedded in the
/// assembly; its <c>name</c> and <c>description</c> are the Chinese name and description, so the two never disagree.
/// </summary>
public static class JourneyTemplates
{
    private sealed record Meta(string Id, string Industry, string NameEn, string DescriptionEn);

    private static readonly Meta[] Catalog =
    [
        new("retail_birthday_care", "retail", "Birthday care · birthday coupon",
            "3 days before the birthday at 10:00 the customer's staff member sends birthday wishes and a 7-day coupon link; "
            + "an order within 7 days converts, otherwise a reminder the day before the coupon expires."),
        new("retail_silent_win_back", "retail", "Win back silent high-value customers · A/B test",
            "Every Monday at 10:00 over an audience you pick (audience 1 is a placeholder): A gets a 20 yuan coupon, "
            + "B members-only new arrivals, 10% are held out; no order within 14 days creates a call-back task for the staff member."),
        new("retail_live_stream_loop", "retail", "Live-stream loop · warm-up, live, replay and reviews",
            "On live.reserved: a warm-up message with the live group link and a seckill eligibility coupon; at 19:50 on the "
            + "next_live_at date a start reminder. Viewers (live.watched) get the in-live product links and, the next morning, a review "
            + "invitation worth 50 points; the others get the replay and, without an order in 2 days, a follow-up task for their staff member."),
        new("education_trial_to_paid", "education", "Trial lesson to paid course",
            "On trial.booked: welcome and class notes, a reminder on the day at 09:00; attendees get the course plan and "
            + "new-student offer a day later and a follow-up task if they do not enrol within 7 days; no-shows are invited to reschedule."),
        new("education_renewal_warning", "education", "Course expiry renewal reminder",
            "30 days before course_expires_at at 10:00 a renewal reminder; no payment within 15 days creates a task for the "
            + "course adviser, and still none 10 days later a final SMS reminder."),
        new("finance_risk_assessment_follow_up", "finance", "Risk assessment after account opening",
            "On account.opened: an invitation to complete the risk tolerance assessment, an assist task after 3 days; once done, "
            + "C4/C5 customers get matching product information with the risk notice, others investor education."),
    ];

    private static readonly Lazy<IReadOnlyList<JourneyTemplate>> Loaded = new(Load);

    /// <summary>Every template, in a fixed order (retail, education, finance).</summary>
    public static IReadOnlyList<JourneyTemplate> All => Loaded.Value;

    public static JourneyTemplate? Find(string id) => All.FirstOrDefault(t => t.Id == id);

    private static IReadOnlyList<JourneyTemplate> Load()
    {
        var assembly = typeof(JourneyTemplates).Assembly;
        return [.. Catalog.Select(m => Read(assembly, m))];
    }

    private static JourneyTemplate Read(Assembly assembly, Meta meta)
    {
        var resource = $"Siyu.Core.Journeys.Templates.{meta.Id}.json";
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Journey template resource '{resource}' is missing.");
        using var reader = new StreamReader(stream);
        var json = reader.ReadToEnd();
        using var doc = JsonDocument.Parse(json);
        var name = doc.RootElement.GetProperty("name").GetString()!;
        var description = doc.RootElement.GetProperty("description").GetString()!;
        return new JourneyTemplate(meta.Id, meta.Industry, name, meta.NameEn, description, meta.DescriptionEn, json);
    }
}
