using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Security;

/// <summary>
/// The master key that encrypts the Data Protection key ring stored in the database, so a copy of the
/// database alone does not reveal any secret. From <c>Hub:Secrets:MasterKey</c> (base64, 32 bytes; a
/// KMS-backed setting in the cloud), or generated once into the data folder for an embedded hub.
/// </summary>
internal sealed class MasterKey(IOptions<HubOptions> options, IHostEnvironment environment)
{
    private readonly Lazy<byte[]> _key = new(() => KeyFiles.LoadOrCreate(options.Value.Secrets.MasterKey, options.Value, environment, "master.key", 32));

    public byte[] Key => _key.Value;

    /// <summary>Former master keys (<c>Hub:Secrets:PreviousMasterKeys</c>) that still decrypt during a rotation; nothing is encrypted with them.</summary>
    public IReadOnlyList<byte[]> PreviousKeys { get; } =
        [.. options.Value.Secrets.PreviousMasterKeys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(Convert.FromBase64String)];

    public bool IsGenerated => string.IsNullOrWhiteSpace(options.Value.Secrets.MasterKey);
}

/// <summary>Encrypts each Data Protection key with AES-256-GCM under the master key.</summary>
internal sealed class MasterKeyXmlEncryptor(MasterKey masterKey) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(masterKey.Key, tag.Length))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag);
        }

        var element = new XElement("encryptedKey",
            new XComment(" Encrypted with the hub's master key (Hub:Secrets:MasterKey). "),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(ciphertext)));
        return new EncryptedXmlInfo(element, typeof(MasterKeyXmlDecryptor));
    }
}

/// <summary>The inverse of <see cref="MasterKeyXmlEncryptor"/>; Data Protection creates it by type with the service provider.</summary>
internal sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    /// <summary>Decrypts with the master key, or, during a rotation, with the first former key that fits (AES-GCM tells which).</summary>
    public XElement Decrypt(XElement encryptedElement)
    {
        var master = services.GetRequiredService<MasterKey>();
        var nonce = Convert.FromBase64String(encryptedElement.Element("nonce")!.Value);
        var tag = Convert.FromBase64String(encryptedElement.Element("tag")!.Value);
        var ciphertext = Convert.FromBase64String(encryptedElement.Element("value")!.Value);
        var plaintext = new byte[ciphertext.Length];
        foreach (var key in master.PreviousKeys.Prepend(master.Key))
        {
            try
            {
                using var aes = new AesGcm(key, tag.Length);
                aes.Decrypt(nonce, ciphertext, tag, plaintext);
                return XElement.Parse(System.Text.Encoding.UTF8.GetString(plaintext));
            }
            catch (AuthenticationTagMismatchException)
            {
                // Not this key; try the next one.
            }
        }

        throw new CryptographicException("No configured master key (Hub:Secrets:MasterKey or PreviousMasterKeys) decrypts this Data Protection key.");
    }
}
