using Siyu.Server.Customers;

namespace Siyu.Server.Auth;

/// <summary>
/// The data-scope check for everything addressed to one customer (<c>/api/v1/customers/{id}…</c>, whichever feature
/// maps it): outside the caller's scope the customer does not exist (404, so ids cannot be probed). Lists filter through
/// <see cref="CustomerReader.SearchAsync"/>; every other permission needs the "all" scope (<see cref="PermissionHandler"/>).
/// </summary>
public static class CustomerScopeFilter
{
    private const string Prefix = "/api/v1/customers/{id";

    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (AddressesCustomer(http) is { } customerId)
        {
            var scope = await http.RequestServices.GetRequiredService<AccessDirectory>().ScopeAsync(http.User);
            if (!scope.IsAll && await http.RequestServices.GetRequiredService<CustomerReader>().GetVisibleAsync(http.User.TenantId(), customerId, scope) is null)
            {
                return Problems.NotFound($"No customer {customerId}.");
            }
        }
        return await next(context);
    }

    private static long? AddressesCustomer(HttpContext http) =>
        http.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern } && pattern.StartsWith(Prefix, StringComparison.Ordinal)
        && long.TryParse(http.Request.RouteValues["id"]?.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? id
            : null;
}
