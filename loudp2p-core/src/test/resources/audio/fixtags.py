import struct
def syncsafe(n): return bytes([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f])
def frame(fid, text):
    body = b"\x03" + text.encode("utf-8")
    return fid.encode() + syncsafe(len(body)) + b"\x00\x00" + body
frames = frame("TIT2", "Formation") + frame("TPE1", "Beyoncé") + frame("TALB", "Lemonade") + frame("TRCK", "12/12")
tag = b"ID3\x04\x00\x00" + syncsafe(len(frames)) + frames
open("id3v24.mp3", "wb").write(tag + open("untagged.mp3", "rb").read())
def info(cid, text):
    b = text.encode("utf-8") + b"\x00"
    if len(b) % 2: b += b"\x00"
    return cid.encode() + struct.pack("<I", len(b)) + b
lst = b"INFO" + info("INAM", "Teardrop") + info("IART", "Massive Attack") + info("IPRD", "Mezzanine") + info("ITRK", "7")
wav = bytearray(open("untagged.wav", "rb").read()) + b"LIST" + struct.pack("<I", len(lst)) + lst
wav[4:8] = struct.pack("<I", len(wav) - 8)
open("tagged.wav", "wb").write(bytes(wav))
