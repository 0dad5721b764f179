using Siyu.Core.Access;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Siyu.Core.Events;
using Siyu.Server.Auth;
using Siyu.Server.Data;
using Siyu.Server.Ingest;

namespace Siyu.Server.Customers;

/// <summary>Customer list/search, 360 view, timeline, attribute edits, and audited manual merges.</summary>
public static class CustomersApi
{
    public static RouteGroupBuilder MapCustomersApi(this RouteGroupBuilder api)
    {
        var customers = api.MapGroup("/customers").WithTags("Customers");
        customers.MapGet("/", List).WithName("ListCustomers").Requires(Permission.CustomersRead).WithSummary("List or search customers (name, phone suffix, any identifier value; ?tag=ID keeps those with the tag)");
        customers.MapGet("/{id:long}", Get).WithName("GetCustomer").Requires(Permission.CustomersRead).WithSummary("Customer 360: profile, identifiers, merges (a merged id answers with its survivor)");
        customers.MapGet("/{id:long}/events", Events).WithName("CustomerTimeline").Requires(Permission.CustomersRead).WithSummary("The customer's events, newest first");
        customers.MapGet("/{id:long}/orders", Orders).WithName("CustomerOrders").Requires(Permission.CustomersRead).WithSummary("The customer's orders, one line per order id with refunds netted, newest first");
        customers.MapGet("/{id:long}/consents", Consents).WithName("CustomerConsents").Requires(Permission.CustomersRead)
            .WithSummary("Consent centre: the current decision per channel and topic (and data uses such as location) with source and time, and the history of changes, newest first");
        customers.MapPut("/{id:long}/consents", ChangeConsent).WithName("ChangeCustomerConsent").Requires(Permission.CustomersWrite)
            .WithSummary("Opt in or unsubscribe one channel and topic (topic * = all); recorded as a consent event and honoured by the next send");
        customers.MapPatch("/{id:long}/attributes", EditAttributes).WithName("EditCustomerAttributes").Requires(Permission.CustomersWrite)
            .WithSummary("Set attributes; recorded as a profile.updated event");
        customers.MapPost("/{id:long}/reveal", Reveal).WithName("RevealCustomer").Requires(Permission.CustomersReveal)
            .WithSummary("The customer with phone, e-mail, ID card, bank card and address unmasked (admin; needs a reason, written to the audit log)");
        customers.MapPost("/merge", Merge).WithName("MergeCustomers").Requires(Permission.CustomersMerge).WithSummary("Audited manual merge (admin)");
        api.MapPost("/merges/{id:long}/undo", Undo).WithTags("Customers").WithName("UndoMerge").Requires(Permission.CustomersMerge).WithSummary("Reverse a merge (admin)");
        api.MapGet("/merges", (HttpContext http, CustomerReader reader) => TypedResults.Ok(reader.Merges(http.User.TenantId(), null).Select(CustomerDtos.ToDto).ToList()))
            .WithTags("Customers").WithName("ListMerges").Requires(Permission.IdentityRead).WithSummary("The latest 200 merges, automatic and manual, with their undo state");
        api.MapGet("/merge-conflicts", Conflicts).WithTags("Customers").WithName("ListMergeConflicts").Requires(Permission.IdentityRead).WithSummary("Customers an event linked but the guard rails kept apart");
        return api;
    }

    private static async Task<Results<Ok<CustomerDtos.CustomerListResponse>, ProblemHttpResult>> List(HttpContext http, CustomerReader reader, AccessDirectory access, string? q, long? before, int? limit, long? tag)
    {
        if (limit is < 1 or > 200)
        {
            return TypedResults.Problem(statusCode: 400, title: "One or more fields are invalid.", detail: "limit must be 1–200.", extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["limit"] = ["limit must be 1–200."] } });
        }
        return TypedResults.Ok((await reader.SearchAsync(http.User.TenantId(), q, before, limit ?? 50, tag, await access.ScopeAsync(http.User))).ToDto());
    }

    private static async Task<Results<Ok<CustomerDtos.Customer>, ProblemHttpResult>> Get(HttpContext http, CustomerReader reader, Tags.TagCatalog catalog, long id) =>
        await reader.GetAsync(http.User.TenantId(), id, readYourWrites: true) is { } detail
            ? TypedResults.Ok(detail.ToDto(tag => catalog.Find(http.User.TenantId(), tag)))
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"No customer {id}.");

    private static Results<Ok<List<CustomerDtos.Event>>, ProblemHttpResult> Events(HttpContext http, CustomerReader reader, long id, long? before, int? limit, string? type)
    {
        var tenant = http.User.TenantId();
        return reader.Canonical(tenant, id) is { } canonical
            ? TypedResults.Ok(reader.Timeline(tenant, canonical, before, limit ?? 100, type).Select(e => e.ToDto()).ToList())
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"No customer {id}.");
    }

    private static Results<Ok<List<CustomerDtos.Order>>, ProblemHttpResult> Orders(HttpContext http, CustomerReader reader, long id)
    {
        var tenant = http.User.TenantId();
        return reader.Canonical(tenant, id) is { } canonical
            ? TypedResults.Ok(reader.Orders(tenant, canonical).Select(o => o.ToDto()).ToList())
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"No customer {id}.");
    }

    public sealed record AttributesEdit(JsonObject? Attributes);

    private static async Task<IResult> EditAttributes(HttpContext http, CustomerReader reader, AttributeEditor editor, long id, JsonElement body)
    {
        var tenant = http.User.TenantId();
        if (reader.Canonical(tenant, id) is not { } canonical)
        {
            return Problems.NotFound($"No customer {id}.");
        }
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("attributes", out var attrs) || attrs.ValueKind != JsonValueKind.Object)
        {
            return Problems.Validation("attributes", "Body must be {\"attributes\": {\"name\": \"…\"}}.");
        }
        var (outcome, errors) = await editor.EditAsync(tenant, canonical, attrs, http.User.Actor(), "api");
        return outcome is { } o ? TypedResults.Ok(new { seq = o.Seq, customer_id = o.CustomerId }) : Problems.Validation([.. errors]);
    }

    private static async Task<IResult> Consents(HttpContext http, CustomerReader reader, long id)
    {
        var tenant = http.User.TenantId();
        if (await reader.GetAsync(tenant, id) is not { } detail)
        {
            return Problems.NotFound($"No customer {id}.");
        }
        var current = detail.Profile.Consents.Select(c => new
        {
            channel = c.Channel, topic = c.Topic, granted = c.Granted, at = new DateTimeOffset(c.AtTicks, TimeSpan.Zero), source = c.Source,
        });
        var locationAllowed = detail.Profile.AllowsDataUse(Core.Customers.ConsentScopes.Location);
        return TypedResults.Ok(new { customer_id = detail.Profile.Id, current, location_allowed = locationAllowed, history = ConsentHistory.Read(reader, tenant, detail.Profile.Id) });
    }

    private static async Task<IResult> ChangeConsent(HttpContext http, CustomerReader reader, ConsentEditor editor, long id, ConsentChange body)
    {
        var tenant = http.User.TenantId();
        if (reader.Canonical(tenant, id) is not { } canonical)
        {
            return Problems.NotFound($"No customer {id}.");
        }
        var (outcome, errors) = await editor.ApplyAsync(tenant, canonical, body, http.User.Actor());
        return outcome is { } o ? TypedResults.Ok(new { seq = o.Seq, customer_id = o.CustomerId }) : Problems.Validation([.. errors]);
    }

    public sealed record RevealRequest(string? Reason);

    private static async Task<IResult> Reveal(HttpContext http, CustomerReader reader, Tags.TagCatalog catalog, Compliance.Reveals reveals, long id, RevealRequest body)
    {
        var (reason, error) = Compliance.Reveals.CheckReason(body.Reason);
        if (reason is null)
        {
            return Problems.Validation([error!]);
        }
        var tenant = http.User.TenantId();
        if (await reader.GetAsync(tenant, id) is not { } detail)
        {
            return Problems.NotFound($"No customer {id}.");
        }
        await reveals.RecordAsync(tenant, http.User.Actor(), detail.Profile.Id, reason);
        return TypedResults.Ok(detail.ToDto(tag => catalog.Find(tenant, tag), reveal: true));
    }

    public sealed record MergeRequest(long CustomerA, long CustomerB, string? Reason);

    private static async Task<IResult> Merge(HttpContext http, IngestWriter writer, MergeRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return Problems.Validation("reason", "A manual merge needs a reason; it is written to the audit log.");
        }
        try
        {
            var merge = await writer.MergeAsync(http.User.TenantId(), request.CustomerA, request.CustomerB, http.User.Actor(), request.Reason);
            return TypedResults.Ok(merge);
        }
        catch (ArgumentException e)
        {
            return Problems.Validation("customer_b", e.Message);
        }
    }

    private static async Task<IResult> Undo(HttpContext http, IngestWriter writer, long id)
    {
        try
        {
            return TypedResults.Ok(await writer.UnmergeAsync(http.User.TenantId(), id, http.User.Actor()));
        }
        catch (InvalidOperationException e) when (e.InnerException is null)
        {
            return TypedResults.Problem(statusCode: 409, title: "Merge cannot be undone", detail: e.Message);
        }
    }

    private static IResult Conflicts(HttpContext http, CustomerReader reader) =>
        TypedResults.Ok(reader.OpenConflicts(http.User.TenantId()).Select(CustomerDtos.Conflict).ToList());
}
