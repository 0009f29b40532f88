using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Pipeline;

public sealed class DashboardTests
{
    [Fact]
    public async Task The_dashboard_is_off_by_default()
    {
        using var app = new ChatBotApp();
        var client = app.Start();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/hangfire", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task When_on_the_dashboard_needs_the_admin_credentials()
    {
        using var app = new ChatBotApp().With("Queue:DashboardEnabled", "true").With("Queue:DashboardUser", "admin").With("Queue:DashboardPassword", "correct-horse-battery");
        var client = app.Start();

        var anonymous = await client.GetAsync(new Uri("/hangfire", UriKind.Relative));
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:guess")));
        using var right = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        right.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:correct-horse-battery")));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(right)).StatusCode);
    }

    [Fact]
    public void A_dashboard_without_credentials_stops_start_up()
    {
        using var app = new ChatBotApp().With("Queue:DashboardEnabled", "true");
        var error = Assert.ThrowsAny<Exception>(() => app.Start());
        Assert.Contains("Queue:DashboardPassword", error.ToString(), StringComparison.Ordinal);
    }
}
