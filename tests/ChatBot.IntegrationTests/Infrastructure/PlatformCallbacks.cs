using ChatBot.Host.Cli;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>Builds platform callbacks with the test keys of <see cref="ChatBotApp"/>, as the platforms would send them.</summary>
public static class PlatformCallbacks
{
    public static SimulatedCallback AiBot(string msgId, string text, string user = "zhangsan", string? group = null, DateTimeOffset? now = null) =>
        SimulatedCallback.WeComAiBot(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, msgId, user, text, group, now ?? DateTimeOffset.UtcNow);

    public static SimulatedCallback App(string msgId, string text, string user = "lisi", DateTimeOffset? now = null) =>
        SimulatedCallback.WeComApp(ChatBotApp.AppToken, ChatBotApp.AppKey, ChatBotApp.CorpId, ChatBotApp.AgentId, msgId, user, text, now ?? DateTimeOffset.UtcNow);

    public static SimulatedCallback DingTalk(string msgId, string text, string user = "wangwu", string? group = null, DateTimeOffset? now = null) =>
        SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, msgId, user, text, group, now ?? DateTimeOffset.UtcNow, robotCode: ChatBotApp.DingTalkClientId);

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, SimulatedCallback callback) =>
        client.SendAsync(callback.ToRequest(client.BaseAddress!));

    /// <summary>
    /// Posts as the platforms do: a 503 (intake past its deadline, as a fresh app's first request can be on a loaded
    /// machine) is sent again, up to three times in all. For tests about what follows intake, not about its answer.
    /// </summary>
    public static async Task<System.Net.HttpStatusCode> DeliverAsync(this HttpClient client, SimulatedCallback callback)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await client.PostAsync(callback);
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || attempt == 3)
            {
                return response.StatusCode;
            }

            await Task.Delay(1000);
        }
    }
}
