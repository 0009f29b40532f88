namespace ChatBot.IntegrationTests.Hosting;

/// <summary>Privacy as each deployment states it: the pseudonym key supplied as a secret, and no swap for the bot.</summary>
public sealed partial class DeployManifestTests
{
    [Fact]
    public void Every_deployment_supplies_the_pseudonym_key_as_a_secret_and_keeps_the_bot_out_of_swap()
    {
        var secret = File.ReadAllText(Path.Combine(Deploy, "k8s", "secret.yaml"));
        Assert.Contains("Privacy__PseudonymKey: \"<", secret, StringComparison.Ordinal); // a placeholder the bot refuses, never a value
        var unit = File.ReadAllLines(Path.Combine(Deploy, "systemd", "chatbot.service"));
        Assert.Contains("MemorySwapMax=0", unit);
        Assert.Contains(unit, l => l.StartsWith("# Secrets:", StringComparison.Ordinal) && l.Contains("Privacy__PseudonymKey", StringComparison.Ordinal));
        var compose = File.ReadAllLines(Path.Combine(Deploy, "compose", "docker-compose.yml"));
        var limits = compose.Where(l => l.TrimStart().StartsWith("mem_limit:", StringComparison.Ordinal) || l.TrimStart().StartsWith("memswap_limit:", StringComparison.Ordinal))
            .Select(l => l.Trim()).ToList();
        // Each bot service's swap limit equals its memory limit: no swap (Redis, first, keeps its own).
        Assert.Equal(2, limits.Count(l => l.StartsWith("memswap_limit:", StringComparison.Ordinal)));
        for (var i = 0; i < limits.Count; i++)
        {
            if (limits[i].StartsWith("memswap_limit:", StringComparison.Ordinal))
            {
                Assert.Equal(limits[i - 1]["mem_limit:".Length..].Trim(), limits[i]["memswap_limit:".Length..].Trim());
            }
        }
    }
}
