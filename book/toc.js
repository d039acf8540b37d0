/* gradbook: the book's table of contents, shared by every page. */
(function () {
  var nav = document.getElementById("sidebar");
  if (!nav) return;
  var root = document.body.getAttribute("data-root") || "";
  var current = nav.getAttribute("data-current");
  var holder = document.createElement("div");
  holder.innerHTML = "<ol class=\"toc-list\"><li class=\"toc-item level-0\"><a href=\"preface.html\">前言</a></li><li class=\"toc-part\">第一部分：梯度为什么会消失或爆炸</li><li class=\"toc-item level-0\"><a href=\"backprop.html\"><span class=\"toc-number\">1</span> 反向传播：一串雅可比矩阵的乘积</a></li><li class=\"toc-item level-0\"><a href=\"speed-of-learning.html\"><span class=\"toc-number\">2</span> 看见梯度消失：各层的学习速度</a></li><li class=\"toc-item level-0\"><a href=\"saturation.html\"><span class=\"toc-number\">3</span> 饱和激活函数：sigmoid 与 tanh</a></li><li class=\"toc-item level-0\"><a href=\"weight-scale.html\"><span class=\"toc-number\">4</span> 权重尺度：不稳定的乘积</a></li><li class=\"toc-part\">第二部分：一个一个的补救办法</li><li class=\"toc-item level-0\"><a href=\"init.html\"><span class=\"toc-number\">5</span> Xavier、He 与 LeCun 初始化</a></li><li class=\"toc-item level-0\"><a href=\"relu.html\"><span class=\"toc-number\">6</span> ReLU 的变体与死亡单元</a></li><li class=\"toc-item level-0\"><a href=\"orthogonal.html\"><span class=\"toc-number\">7</span> 正交初始化与动力学等距</a></li><li class=\"toc-item level-0\"><a href=\"mean-field.html\"><span class=\"toc-number\">8</span> 平均场理论：有序、混沌与可训练深度</a></li><li class=\"toc-item level-0\"><a href=\"normalization.html\"><span class=\"toc-number\">9</span> 批归一化与层归一化</a></li><li class=\"toc-item level-0\"><a href=\"residual.html\"><span class=\"toc-number\">10</span> 残差连接：给梯度一条恒等通路</a></li><li class=\"toc-item level-0\"><a href=\"transformer.html\"><span class=\"toc-number\">11</span> Transformer 里的残差与归一化：Pre-LN、Post-LN 与零初始化</a></li><li class=\"toc-item level-0\"><a href=\"exploding.html\"><span class=\"toc-number\">12</span> 梯度爆炸：裁剪与正则化</a></li><li class=\"toc-item level-0\"><a href=\"optimizers.html\"><span class=\"toc-number\">13</span> 优化器与学习率</a></li><li class=\"toc-item level-0\"><a href=\"rnn.html\"><span class=\"toc-number\">14</span> 循环网络：随时间反向传播与 LSTM</a></li><li class=\"toc-item level-0\"><a href=\"mixed-precision.html\"><span class=\"toc-number\">15</span> 混合精度：fp16 的下溢与损失缩放</a></li><li class=\"toc-item level-0\"><a href=\"practice.html\"><span class=\"toc-number\">16</span> 历史与实践：预训练、浅网络与诊断</a></li><li class=\"toc-part\">附录</li><li class=\"toc-item level-0\"><a href=\"interview.html\">面试速答</a></li><li class=\"toc-item level-0\"><a href=\"glossary.html\">术语表（中英对照）</a></li><li class=\"toc-item level-0\"><a href=\"references.html\">参考文献</a></li><li class=\"toc-item level-0\"><a href=\"reference.html\">附录：实验块语言参考</a></li></ol>";
  var list = holder.firstChild, sections = nav.querySelector(".toc-sections");
  var links = list.querySelectorAll("a");
  for (var i = 0; i < links.length; i++) {
    var a = links[i], path = a.getAttribute("href");
    if (path === current) {
      a.setAttribute("aria-current", "page");
      a.parentNode.className += " current";
      if (sections) { sections.hidden = false; a.parentNode.appendChild(sections); }
    }
    a.setAttribute("href", root + path);
  }
  var fallback = nav.querySelector("noscript");
  if (fallback) nav.removeChild(fallback);
  nav.insertBefore(list, nav.firstChild);
})();
