namespace Siyu.Core.Compliance;

/// <summary>What a data subject (the customer) asks for under PIPL: a copy of their data, a correction, or deletion.</summary>
public static class DsrKinds
{
    public const string Export = "export";
    public const string Correct = "correct";
    public const string Delete = "delete";

    public static readonly IReadOnlyList<string> All = [Export, Correct, Delete];
}

/// <summary>received → in_progress → completed | rejected; a finished request never changes again.</summary>
public static class DsrStatuses
{
    public const string Received = "received";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Rejected = "rejected";

    public static readonly IReadOnlyList<string> All = [Received, InProgress, Completed, Rejected];

    public static bool IsFinished(string status) => status is Completed or Rejected;
}

/// <summary>How the request reached the tenant (the customer themselves, a staff member on their behalf, an e-mail).</summary>
public static class DsrChannels
{
    public static readonly IReadOnlyList<string> All = ["customer", "staff", "email"];
}

/// <summary>The request workflow's rules, free of storage: which moves are allowed, when a request is due and overdue.</summary>
public static class DsrWorkflow
{
    /// <summary>PIPL practice: answer within 15 calendar days unless configured otherwise.</summary>
    public const int DefaultDueDays = 15;

    /// <summary>Due date: calendar days after receipt (not working days: the deadline must not depend on a holiday calendar).</summary>
    public static long DueAtTicks(long receivedAtTicks, int dueDays) => receivedAtTicks + TimeSpan.FromDays(dueDays).Ticks;

    public static bool IsOverdue(string status, long dueAtTicks, long nowTicks) => !DsrStatuses.IsFinished(status) && dueAtTicks < nowTicks;

    /// <summary>Null when the move is allowed, otherwise why not (the API answers 409 with it).</summary>
    public static string? CheckMove(string from, string to) => (from, to) switch
    {
        (DsrStatuses.Received, DsrStatuses.InProgress) => null,
        (DsrStatuses.Received or DsrStatuses.InProgress, DsrStatuses.Completed or DsrStatuses.Rejected) => null,
        _ when DsrStatuses.IsFinished(from) => $"The request is already {from}.",
        _ => $"A request cannot go from {from} to {to}.",
    };
}
