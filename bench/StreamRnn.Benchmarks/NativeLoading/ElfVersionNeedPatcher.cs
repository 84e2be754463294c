using System.Buffers.Binary;
using System.Text;

namespace StreamRnn.Benchmarks.NativeLoading;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 little-endian shared object as weak, so that the dynamic
/// loader accepts a library (here libstdc++) that lacks that version.
/// </summary>
/// <remarks>
/// Why: TorchSharp 0.107's <c>libLibTorchSharp.so</c> was linked against GCC 13's libstdc++ and so records a need for
/// <c>GLIBCXX_3.4.32</c>, only because GCC 13's &lt;iostream&gt; plants a reference to
/// <c>_ZSt21ios_base_library_initv</c>: an undefined symbol with no relocation against it, which nothing ever binds
/// or calls. Debian 12's libstdc++ stops at 3.4.30, so ld.so refuses to load the library. A version need flagged
/// <c>VER_FLG_WEAK</c> is one whose absence ld.so tolerates. Before flagging, the patcher checks, through
/// <c>.gnu.version</c> and <c>.dynsym</c>, that no symbol other than the expected ones carries that version, so a
/// requirement that real code depends on is never weakened.
///
/// Layout read (System V gABI with the GNU symbol-versioning extension; all offsets in bytes):
/// <code>
/// ELF header      e_ident[4] = 2 (ELFCLASS64), e_ident[5] = 1 (little endian),
///                 e_shoff u64 @0x28, e_shentsize u16 @0x3A, e_shnum u16 @0x3C
/// section header  sh_type u32 @0x04, sh_offset u64 @0x18, sh_size u64 @0x20, sh_link u32 @0x28, sh_info u32 @0x2C,
///                 sh_entsize u64 @0x38
/// .gnu.version_r  sh_type 0x6ffffffe (SHT_GNU_verneed), sh_link = .dynstr, sh_info = number of Verneed entries
///   Elf64_Verneed { u16 vn_version; u16 vn_cnt; u32 vn_file; u32 vn_aux; u32 vn_next; }     vn_aux, vn_next relative
///   Elf64_Vernaux { u32 vna_hash; u16 vna_flags; u16 vna_other; u32 vna_name; u32 vna_next; } to the entry itself
/// .gnu.version    sh_type 0x6fffffff (SHT_GNU_versym): one u16 per .dynsym entry, version index in bits 0..14
/// .dynsym         sh_type 11 (SHT_DYNSYM), sh_link = its string table; Elf64_Sym is 24 bytes, st_name u32 @0
/// </code>
/// </remarks>
public static class ElfVersionNeedPatcher
{
    /// <summary>VER_FLG_WEAK: a missing version is not an error.</summary>
    public const ushort WeakFlag = 0x2;

    private const uint SectionTypeDynamicSymbols = 11;
    private const uint SectionTypeVersionNeed = 0x6ffffffe;
    private const uint SectionTypeVersionSymbols = 0x6fffffff;
    private const int SectionHeaderSize = 64;
    private const int SymbolSize = 24;
    private const int VersionIndexMask = 0x7fff;

    /// <summary>
    /// Patches the file at <paramref name="path"/> in place (idempotent). The new image is written to a temporary file
    /// beside it and renamed over it, so a hard link into a package cache is never modified.
    /// </summary>
    public static ElfPatchOutcome PatchFile(string path, string versionName, IReadOnlyCollection<string> allowedSymbols)
    {
        byte[] image = File.ReadAllBytes(path);
        var outcome = Patch(image, versionName, allowedSymbols);
        if (outcome != ElfPatchOutcome.Patched)
        {
            return outcome;
        }

        string temporary = path + ".patching";
        File.WriteAllBytes(temporary, image);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
        }

        File.Move(temporary, path, overwrite: true);
        return outcome;
    }

    /// <summary>Patches an ELF image held in memory; see the type's remarks.</summary>
    /// <exception cref="InvalidDataException">The image is not a well-formed ELF64 little-endian file.</exception>
    /// <exception cref="InvalidOperationException">Symbols other than <paramref name="allowedSymbols"/> need the version.</exception>
    public static ElfPatchOutcome Patch(Span<byte> image, string versionName, IReadOnlyCollection<string> allowedSymbols)
    {
        ReadOnlySpan<byte> wantedName = Encoding.ASCII.GetBytes(versionName);
        if (image.Length < 0x40 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
        {
            throw new InvalidDataException("Not an ELF file (bad magic or shorter than an ELF header).");
        }

        if (image[4] != 2 || image[5] != 1)
        {
            throw new InvalidDataException($"Only ELF64 little-endian is supported (class {image[4]}, data {image[5]}).");
        }

        ulong sectionTableOffset = BinaryPrimitives.ReadUInt64LittleEndian(image[0x28..]);
        int sectionHeaderSize = BinaryPrimitives.ReadUInt16LittleEndian(image[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(image[0x3C..]);
        if (sectionHeaderSize != SectionHeaderSize)
        {
            throw new InvalidDataException($"Unexpected section header size {sectionHeaderSize}.");
        }

        var sections = new Section[sectionCount];
        for (int index = 0; index < sectionCount; index++)
        {
            ReadOnlySpan<byte> header = Slice(image, sectionTableOffset + (ulong)(index * SectionHeaderSize), SectionHeaderSize);
            sections[index] = new Section(
                BinaryPrimitives.ReadUInt32LittleEndian(header[0x04..]),
                BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]),
                BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]),
                BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]),
                BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]));
        }

        int needIndex = Array.FindIndex(sections, section => section.Type == SectionTypeVersionNeed);
        if (needIndex < 0)
        {
            return ElfPatchOutcome.VersionNotRequired;
        }

        var need = sections[needIndex];
        var needStrings = SectionAt(sections, need.Link);
        ulong entry = need.Offset;
        for (uint file = 0; file < need.Info; file++)
        {
            ReadOnlySpan<byte> verneed = Slice(image, entry, 16);
            int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(verneed[2..]);
            ulong aux = entry + BinaryPrimitives.ReadUInt32LittleEndian(verneed[8..]);
            for (int auxIndex = 0; auxIndex < auxCount; auxIndex++)
            {
                var vernaux = Slice(image, aux, 16);
                uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(vernaux[8..]);
                if (ReadString(image, needStrings, nameOffset).SequenceEqual(wantedName))
                {
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(vernaux[4..]);
                    if ((flags & WeakFlag) != 0)
                    {
                        return ElfPatchOutcome.AlreadyWeak;
                    }

                    ushort versionIndex = BinaryPrimitives.ReadUInt16LittleEndian(vernaux[6..]);
                    EnsureOnlyAllowedSymbolsUse(image, sections, versionIndex, versionName, allowedSymbols);
                    BinaryPrimitives.WriteUInt16LittleEndian(vernaux[4..], (ushort)(flags | WeakFlag));
                    return ElfPatchOutcome.Patched;
                }

                aux += BinaryPrimitives.ReadUInt32LittleEndian(vernaux[12..]);
            }

            entry += BinaryPrimitives.ReadUInt32LittleEndian(verneed[12..]);
        }

        return ElfPatchOutcome.VersionNotRequired;
    }

    private static void EnsureOnlyAllowedSymbolsUse(ReadOnlySpan<byte> image, Section[] sections, ushort versionIndex,
        string versionName, IReadOnlyCollection<string> allowedSymbols)
    {
        int versymIndex = Array.FindIndex(sections, section => section.Type == SectionTypeVersionSymbols);
        int dynsymIndex = Array.FindIndex(sections, section => section.Type == SectionTypeDynamicSymbols);
        if (versymIndex < 0 || dynsymIndex < 0)
        {
            throw new InvalidDataException("A version need without .gnu.version or .dynsym.");
        }

        var versym = sections[versymIndex];
        var dynsym = sections[dynsymIndex];
        var symbolStrings = SectionAt(sections, dynsym.Link);
        ulong symbolCount = dynsym.Size / SymbolSize;
        if (versym.Size / 2 != symbolCount)
        {
            throw new InvalidDataException($".gnu.version has {versym.Size / 2} entries for {symbolCount} symbols.");
        }

        List<string> offenders = [];
        for (ulong symbol = 0; symbol < symbolCount; symbol++)
        {
            int index = BinaryPrimitives.ReadUInt16LittleEndian(Slice(image, versym.Offset + (symbol * 2), 2)) & VersionIndexMask;
            if (index != versionIndex)
            {
                continue;
            }

            uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(Slice(image, dynsym.Offset + (symbol * SymbolSize), 4));
            string name = Encoding.ASCII.GetString(ReadString(image, symbolStrings, nameOffset));
            if (!allowedSymbols.Contains(name))
            {
                offenders.Add(name);
            }
        }

        if (offenders.Count > 0)
        {
            throw new InvalidOperationException(
                $"Refusing to weaken {versionName}: it is also needed by {string.Join(", ", offenders)}.");
        }
    }

    private static Section SectionAt(Section[] sections, uint index) => index < sections.Length
        ? sections[index]
        : throw new InvalidDataException($"Section link {index} is out of range ({sections.Length} sections).");

    private static ReadOnlySpan<byte> ReadString(ReadOnlySpan<byte> image, Section table, uint offset)
    {
        if (offset >= table.Size)
        {
            throw new InvalidDataException($"String offset {offset} is outside its table ({table.Size} bytes).");
        }

        var rest = Slice(image, table.Offset + offset, (int)(table.Size - offset));
        int end = rest.IndexOf((byte)0);
        return end < 0 ? throw new InvalidDataException("Unterminated string in a string table.") : rest[..end];
    }

    private static Span<byte> Slice(Span<byte> image, ulong offset, int length) =>
        offset <= (ulong)image.Length && (ulong)length <= (ulong)image.Length - offset
            ? image.Slice((int)offset, length)
            : throw new InvalidDataException($"Range {offset}+{length} lies outside the file ({image.Length} bytes).");

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> image, ulong offset, int length) =>
        offset <= (ulong)image.Length && (ulong)length <= (ulong)image.Length - offset
            ? image.Slice((int)offset, length)
            : throw new InvalidDataException($"Range {offset}+{length} lies outside the file ({image.Length} bytes).");

    private readonly record struct Section(uint Type, ulong Offset, ulong Size, uint Link, uint Info);
}
