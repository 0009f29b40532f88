using System.Net;
using System.Net.Sockets;

namespace ChatBot.Host.Hosting;

/// <summary>Whether an inference server is inside: this machine or a private, link-local or unique-local address.</summary>
internal static class PrivateEndpoint
{
    /// <returns>Why the endpoint is not inside (for the start-up message), or null when every address it has is.</returns>
    public static string? Problem(Uri endpoint)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal) ? [literal] : Dns.GetHostAddresses(endpoint.DnsSafeHost);
        }
        catch (SocketException ex)
        {
            return $"does not resolve ({ex.SocketErrorCode}), so it cannot be shown to be private";
        }

        return addresses.FirstOrDefault(a => !IsInside(a)) is { } outside ? $"resolves to the public address {outside}" : null;
    }

    private static bool IsInside(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.IsIPv6LinkLocal || address.IsIPv6UniqueLocal || address.IsIPv6SiteLocal)
        {
            return true;
        }

        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        var b = address.GetAddressBytes();
        return b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254);
    }
}
