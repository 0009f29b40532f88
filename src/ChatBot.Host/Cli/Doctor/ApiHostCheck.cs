using System.Net.Sockets;

namespace ChatBot.Host.Cli.Doctor;

/// <summary>A platform's API host resolves and accepts a connection from this machine.</summary>
internal static class ApiHostCheck
{
    public static async Task<Finding> RunAsync(string check, Uri api)
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(api.Host, api.Port, timeout.Token);
            return new(check, Verdict.Pass, $"{api.Host}:{api.Port} resolves and accepts a connection");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return new(check, Verdict.Fail, $"{api.Host}:{api.Port} is not reachable ({(ex is SocketException s ? s.SocketErrorCode.ToString() : "timed out")})",
                $"allow outbound HTTPS from this machine to {api.Host} (firewall, proxy, DNS)");
        }
    }
}
