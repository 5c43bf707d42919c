"""StreamField blocks for study content."""

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label="标题文字", max_length=200)
    level = blocks.ChoiceBlock(
        label="级别", choices=[("h2", "一级标题"), ("h3", "二级标题"), ("h4", "三级标题")], default="h2"
    )

    class Meta:
        icon = "title"
        label = "标题"
        template = "courses/blocks/heading.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="引文")
    attribution = blocks.CharBlock(label="出处", required=False)

    class Meta:
        icon = "openquote"
        label = "引文"
        template = "courses/blocks/quote.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label="图片")
    caption = blocks.CharBlock(label="图片说明", required=False)

    class Meta:
        icon = "image"
        label = "图片"
        template = "courses/blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label="文档")
    title = blocks.CharBlock(label="显示名称", required=False)

    class Meta:
        icon = "doc-full"
        label = "文档"
        template = "courses/blocks/document.html"


class VideoBlock(blocks.StructBlock):
    embed = EmbedBlock(label="视频地址", required=False, help_text="嵌入外部视频的地址")
    file = DocumentChooserBlock(label="视频文件", required=False, help_text="或上传 mp4 视频文件")
    caption = blocks.CharBlock(label="视频说明", required=False)

    class Meta:
        icon = "media"
        label = "视频"
        template = "courses/blocks/video.html"


class StudyBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label="段落", features=["bold", "italic", "ol", "ul", "link", "document-link", "hr"], icon="pilcrow"
    )
    quote = QuoteBlock()
    image = ImageBlock()
    document = DocumentBlock()
    video = VideoBlock()

    class Meta:
        template = "courses/blocks/body.html"
