using ChatBot.Core.PlatformApi;

namespace ChatBot.Host.Cli.Doctor;

/// <summary>An access token can be obtained with the configured secrets; the platform's refusal explained.</summary>
internal static class TokenCheck
{
    public static async Task<Finding> RunAsync(string check, Func<Task<string>> fetch, Func<string, string> help)
    {
        try
        {
            await fetch();
            return new(check, Verdict.Pass, "an access token was obtained");
        }
        catch (PlatformApiException ex)
        {
            return new(check, Verdict.Fail, $"the platform refused: {ex.Code}", help(ex.Code));
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or TaskCanceledException)
        {
            return new(check, Verdict.Fail, $"no answer ({ex.GetType().Name})", "see the host check above");
        }
    }

    public static string WeComHelp(string code) => code switch
    {
        _ when code.Contains("40001", StringComparison.Ordinal) => "40001: the Secret is wrong — copy WeCom:App:Secret again from the app's page (it is per app)",
        _ when code.Contains("40013", StringComparison.Ordinal) => "40013: the CorpId is wrong — WeCom:App:CorpId is on 我的企业 → 企业信息",
        _ when code.Contains("60020", StringComparison.Ordinal) => System.Text.RegularExpressions.Regex.Match(code, @"from ip ([0-9a-fA-F.:]+)") is { Success: true } ip
            ? $"60020: this machine's egress IP {ip.Groups[1].Value} is not trusted — add it under the app's 企业可信IP (开发者接口 → 企业可信IP)"
            : "60020: this machine's egress IP is not trusted — add it under the app's 企业可信IP",
        _ => "check WeCom:App:CorpId and WeCom:App:Secret",
    };
}
