using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ChatBot.Core.Queue;
using Hangfire;
using Hangfire.Dashboard;

namespace ChatBot.Host.Hosting;

/// <summary>The Hangfire dashboard at /hangfire: off by default; when on, behind basic auth with configured credentials.</summary>
internal static class AdminDashboard
{
    public static IEndpointRouteBuilder MapAdminDashboard(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IConfiguration>().GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();
        // Credentials are checked by QueueOptionsValidator at start (placeholders and short passwords refused); this
        // second look only keeps an invalid pair from ever being mapped.
        if (!options.DashboardEnabled || string.IsNullOrEmpty(options.DashboardUser) || options.DashboardPassword.Length < 12
            || ChatBot.Core.Configuration.Placeholder.Is(options.DashboardPassword))
        {
            return app;
        }

        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new BasicAuthFilter(options.DashboardUser, options.DashboardPassword)],
            DisplayStorageConnectionString = false,
        });
        return app;
    }

    private sealed class BasicAuthFilter(string user, string password) : IDashboardAuthorizationFilter
    {
        private readonly byte[] _expected = Encoding.UTF8.GetBytes($"{user}:{password}");

        public bool Authorize(DashboardContext context)
        {
            var http = context.GetHttpContext();
            if (AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization, out var header)
                && header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && header.Parameter is { } parameter)
            {
                var given = new byte[parameter.Length];
                if (Convert.TryFromBase64String(parameter, given, out var length)
                    && CryptographicOperations.FixedTimeEquals(given.AsSpan(0, length), _expected))
                {
                    return true;
                }
            }

            http.Response.Headers.WWWAuthenticate = "Basic realm=\"ChatBot admin\"";
            return false;
        }
    }
}
