using Siyu.Core.Events;

namespace Siyu.Server;

/// <summary>RFC 7807 answers for user mistakes, always naming the field at fault.</summary>
public static class Problems
{
    public static IResult Validation(string field, string message) => Validation([new FieldError(field, message)]);

    public static IResult Validation(IReadOnlyList<FieldError> errors, string? detail = null) =>
        TypedResults.ValidationProblem(
            errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            detail: detail ?? "The request was not applied.",
            title: "One or more fields are invalid.");

    public static IResult TooLarge(long limit) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
            detail: $"The body exceeds {limit:N0} bytes; nothing was stored. Split the batch.",
            extensions: new Dictionary<string, object?> { ["field"] = "body" });

    public static IResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: what);

    public static IResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    /// <summary>A conflict caused by one field's value (the state it asks for, a key used before).</summary>
    public static IResult Conflict(string detail, string field) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail,
            extensions: new Dictionary<string, object?> { ["field"] = field });
}
