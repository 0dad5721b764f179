using Siyu.Core.Text;

namespace Siyu.Core.Quality;

/// <summary>One archived message as the inspector sees it (Text: the searchable text, empty for media).</summary>
public sealed record QualityMessage(long Id, long TimeMs, bool FromCustomer, string Kind, bool Revoked, string Text);

/// <summary>Where a phrase occurs: a span of a message's text and the rule phrase it matched.</summary>
public sealed record QualityMark(long MessageId, int Start, int Length, string Word);

public static class QualityRuleNames
{
    /// <summary>A customer message run answered later than the timeout (or still unanswered when due).</summary>
    public const string Timeout = "timeout";
    public const string Forbidden = "forbidden";
    /// <summary>The staff member wrote but said none of the required phrases.</summary>
    public const string RequiredMissing = "required_missing";
    /// <summary>A required phrase was said (informational, no deduction).</summary>
    public const string RequiredSaid = "required_said";
    public const string Negative = "negative";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Timeout, Forbidden, RequiredMissing, RequiredSaid, Negative };
}

/// <summary>
/// One finding. Message ids are archive message ids; for a timeout the first unanswered customer message and the
/// reply (absent when none came), with the working minutes waited and the due time.
/// </summary>
public sealed record QualityFinding(
    string Rule, IReadOnlyList<long> MessageIds, int Deduction, IReadOnlyList<QualityMark> Marks,
    string? Word = null, double? WaitedMinutes = null, long? DueMs = null);

/// <summary>
/// The inspection of one conversation. <see cref="Unanswered"/>: the last customer messages have no reply yet (a
/// later reply changes the result); <see cref="PendingDueMs"/> is set when they are not due yet either: the result
/// is provisional and is inspected again when due.
/// </summary>
public sealed record QualityReport(
    int Score, IReadOnlyList<QualityFinding> Findings, int CustomerMessages, int StaffMessages, int Timeouts, int ForbiddenHits,
    bool RequiredApplicable, bool RequiredHit, int NegativeMessages, int NegativeLate, long? PendingDueMs, bool Unanswered = false);

/// <summary>
/// Inspects a conversation: one staff member with one customer over one tenant-local day (the caller cuts the
/// archive that way). Revoked messages, recalls and archive-consent records are ignored.
/// <list type="bullet">
/// <item>Response timeout: the clock starts at the first customer message not yet answered (later customer messages
/// join the same run) and runs only inside working hours; the next staff message answers the run. Late when the
/// reply comes after the due time. A run still open at the end of the day is answered by
/// <c>nextStaffReply</c> (the first staff message after the day), or is late once <c>nowMs</c> passes the due time.</item>
/// <item>Forbidden phrases: every occurrence in a staff message deducts.</item>
/// <item>Required phrases: applicable when the staff member wrote at all; missing deducts once.</item>
/// <item>Negative-emotion words in customer messages: flagged; a negative message whose run was answered late deducts.</item>
/// </list>
/// </summary>
public sealed class QualityInspector
{
    private readonly QualityRules _rules;
    private readonly WorkingClock _clock;
    private readonly (TextMatcher Matcher, string[] Words)? _forbidden;
    private readonly (TextMatcher Matcher, string[] Words)? _required;
    private readonly (TextMatcher Matcher, string[] Words)? _negative;

    public QualityInspector(QualityRules rules, TimeZoneInfo zone)
    {
        _rules = rules;
        _clock = new WorkingClock(rules.Hours, zone);
        _forbidden = Compile(rules.ForbiddenPhrases);
        _required = Compile(rules.RequiredPhrases);
        _negative = Compile(rules.NegativeWords);
    }

    public WorkingClock Clock => _clock;

    /// <summary>Phrases deduplicated by their normalised form (the matcher would report a duplicate twice).</summary>
    private static (TextMatcher, string[])? Compile(IReadOnlyList<string> phrases)
    {
        var words = phrases.Select(p => p.Trim()).Where(p => TextNormalization.Default.Apply(p).Length > 0)
            .DistinctBy(p => TextNormalization.Default.Apply(p), StringComparer.Ordinal).ToArray();
        return words.Length == 0 ? null : (new TextMatcher(words), words);
    }

    private static List<QualityMark> Marks((TextMatcher Matcher, string[] Words)? set, QualityMessage m) =>
        set is not { } s || m.Text.Length == 0 ? [] : [.. s.Matcher.FindAll(m.Text).Select(x => new QualityMark(m.Id, x.Start, x.Length, s.Words[x.Pattern]))];

    private static bool Counts(QualityMessage m) =>
        !m.Revoked && m.Kind is not (Conversations.ArchiveKinds.Revoke or Conversations.ArchiveKinds.Agree or Conversations.ArchiveKinds.Disagree);

    /// <param name="messages">The conversation's messages ordered by time.</param>
    /// <param name="nextStaffReply">The staff member's first message to the customer after the conversation, if any.</param>
    /// <param name="nowMs">Now: an open run whose due time has passed is a timeout.</param>
    public QualityReport Inspect(IReadOnlyList<QualityMessage> messages, QualityMessage? nextStaffReply, long nowMs)
    {
        var findings = new List<QualityFinding>();
        var budget = TimeSpan.FromMinutes(_rules.TimeoutMinutes);
        var weights = _rules.Weights;
        int customer = 0, staff = 0, timeouts = 0, forbiddenHits = 0, negativeMessages = 0, negativeLate = 0;
        var requiredMarks = new List<QualityMark>();
        long? pendingDue = null;
        var unanswered = false;
        // The open run: its first customer message and the negative findings waiting to learn whether the reply is late.
        QualityMessage? runStart = null;
        var runNegatives = new List<int>();

        void Close(QualityMessage? reply, bool late, DateTimeOffset due)
        {
            if (late)
            {
                timeouts++;
                var waited = _clock.WorkingTime(DateTimeOffset.FromUnixTimeMilliseconds(runStart!.TimeMs),
                    reply is null ? DateTimeOffset.FromUnixTimeMilliseconds(nowMs) : DateTimeOffset.FromUnixTimeMilliseconds(reply.TimeMs));
                findings.Add(new QualityFinding(QualityRuleNames.Timeout, reply is null ? [runStart.Id] : [runStart.Id, reply.Id], weights.Timeout, [],
                    WaitedMinutes: Math.Round(waited.TotalMinutes, 1), DueMs: due.ToUnixTimeMilliseconds()));
                foreach (var i in runNegatives)
                {
                    negativeLate++;
                    findings[i] = findings[i] with { Deduction = weights.NegativeLate };
                }
            }
            runStart = null;
            runNegatives.Clear();
        }

        DateTimeOffset DueOf(QualityMessage start) =>
            _clock.Due(DateTimeOffset.FromUnixTimeMilliseconds(start.TimeMs), budget) ?? DateTimeOffset.MaxValue;

        foreach (var m in messages)
        {
            if (!Counts(m))
            {
                continue;
            }
            if (m.FromCustomer)
            {
                customer++;
                runStart ??= m;
                var marks = Marks(_negative, m);
                if (marks.Count > 0)
                {
                    negativeMessages++;
                    runNegatives.Add(findings.Count);
                    findings.Add(new QualityFinding(QualityRuleNames.Negative, [m.Id], 0, marks, string.Join("、", marks.Select(x => x.Word).Distinct())));
                }
                continue;
            }
            staff++;
            if (runStart is not null)
            {
                var due = DueOf(runStart);
                Close(m, DateTimeOffset.FromUnixTimeMilliseconds(m.TimeMs) > due, due);
            }
            foreach (var mark in Marks(_forbidden, m))
            {
                forbiddenHits++;
                findings.Add(new QualityFinding(QualityRuleNames.Forbidden, [m.Id], weights.Forbidden, [mark], mark.Word));
            }
            requiredMarks.AddRange(Marks(_required, m));
        }
        if (runStart is not null)
        {
            var due = DueOf(runStart);
            if (nextStaffReply is { } reply)
            {
                Close(reply, DateTimeOffset.FromUnixTimeMilliseconds(reply.TimeMs) > due, due);
            }
            else if (due.ToUnixTimeMilliseconds() < nowMs)
            {
                unanswered = true;
                Close(null, true, due);
            }
            else
            {
                unanswered = true;
                pendingDue = due == DateTimeOffset.MaxValue ? long.MaxValue : due.ToUnixTimeMilliseconds();
            }
        }
        var requiredApplicable = _required is not null && staff > 0;
        var requiredHit = requiredMarks.Count > 0;
        if (requiredHit)
        {
            findings.Add(new QualityFinding(QualityRuleNames.RequiredSaid, [.. requiredMarks.Select(x => x.MessageId).Distinct()], 0, requiredMarks,
                string.Join("、", requiredMarks.Select(x => x.Word).Distinct())));
        }
        else if (requiredApplicable)
        {
            findings.Add(new QualityFinding(QualityRuleNames.RequiredMissing, [], weights.RequiredMissing, []));
        }
        var score = Math.Clamp(100 - findings.Sum(f => f.Deduction), 0, 100);
        return new QualityReport(score, findings, customer, staff, timeouts, forbiddenHits, requiredApplicable, requiredHit, negativeMessages, negativeLate, pendingDue, unanswered);
    }
}
