namespace PruneDsl.Datasets
{
    /// <summary>
    /// The element type of an IDX file, taken from the third byte of its magic number
    /// (<c>0x00 0x00 type dims</c>). Values are the codes of the IDX format.
    /// </summary>
    public enum IdxDataType : byte
    {
        /// <summary>Unsigned byte (code 0x08); the type of every MNIST file.</summary>
        UnsignedByte = 0x08,

        /// <summary>Signed byte (code 0x09).</summary>
        SignedByte = 0x09,

        /// <summary>Big-endian 16-bit signed integer (code 0x0B).</summary>
        Int16 = 0x0B,

        /// <summary>Big-endian 32-bit signed integer (code 0x0C).</summary>
        Int32 = 0x0C,

        /// <summary>Big-endian IEEE 754 single precision (code 0x0D).</summary>
        Single = 0x0D,

        /// <summary>Big-endian IEEE 754 double precision (code 0x0E).</summary>
        Double = 0x0E,
    }
}
